package io.jamba4j.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Draws {@code train_log.csv} (training and validation loss by step) as a PNG with XChart. */
public final class LossCurve {
    private LossCurve() {}

    public static void write(Path csv, Path png, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> steps = new ArrayList<>(), loss = new ArrayList<>(), vSteps = new ArrayList<>(), vLoss = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            if (line.startsWith("step")) continue;
            String[] f = line.split(",", -1);
            steps.add(Double.parseDouble(f[0]));
            loss.add(Double.parseDouble(f[2]));
            if (!f[4].isEmpty()) {
                vSteps.add(Double.parseDouble(f[0]));
                vLoss.add(Double.parseDouble(f[4]));
            }
        }
        if (steps.isEmpty()) return;
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.addSeries("train", steps, loss).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        if (!vSteps.isEmpty()) chart.addSeries("validation", vSteps, vLoss).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        String name = png.getFileName().toString().replaceAll("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, png.resolveSibling(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
