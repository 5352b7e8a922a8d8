package io.jamba4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.jamba4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code jamba bench-report}: the tables it writes from benchmark results, and its errors on other input. */
class BenchReportTest {
    private static final ObjectMapper OM = new ObjectMapper();

    /** One JMH result entry as JMH's {@code -rf json} writes it (the fields the report reads). */
    private static ObjectNode jmh(ArrayNode all, String method, String params, double calls, double bytes, double flops) {
        ObjectNode n = all.addObject();
        n.put("jmhVersion", "1.37").put("benchmark", "io.jamba4j.jmh.KernelBenchmarks." + method).put("mode", "thrpt")
                .put("threads", 1).put("forks", 1).put("jdkVersion", "25").put("vmName", "Test VM")
                .put("warmupIterations", 3).put("measurementIterations", 5).put("measurementTime", "1 s");
        n.putArray("jvmArgs").add("--add-modules").add("jdk.incubator.vector").add("-Djamba4j.threads=2");
        ObjectNode p = n.putObject("params");
        for (String kv : params.isEmpty() ? new String[0] : params.split(",")) p.put(kv.split("=")[0], kv.split("=")[1]);
        n.putObject("primaryMetric").put("score", calls).put("scoreError", "NaN").put("scoreUnit", "ops/s");
        ObjectNode sec = n.putObject("secondaryMetrics");
        sec.putObject("bytes").put("score", bytes).put("scoreError", bytes / 100).put("scoreUnit", "ops/s");
        sec.putObject("flops").put("score", flops).put("scoreError", flops / 100).put("scoreUnit", "ops/s");
        return n;
    }

    /** Adds JMH auxiliary counters to an entry's secondary metrics: names and scores, alternating. */
    private static void counters(ObjectNode entry, Object... nameScore) {
        ObjectNode sec = (ObjectNode) entry.get("secondaryMetrics");
        for (int i = 0; i < nameScore.length; i += 2) sec.putObject((String) nameScore[i]).put("score", (Double) nameScore[i + 1]);
    }

    /** Every rate is set against the probes of the same run: the faster read pattern and the FMA peak. */
    @Test
    void kernelsReportSetsEveryRateAgainstTheSameRunsProbes(@TempDir Path tmp) throws Exception {
        ArrayNode all = OM.createArrayNode();
        jmh(all, "gemm", "shape=2816x1024,tokens=512,type=F32", 200, 0, 300e9);
        counters(jmh(all, "gemmVsPeak", "shape=2816x1024,tokens=512,type=F32", 100, 0, 0),
                "gemmFlops", 140e9, "gemmNanos", 0.5e9, "peakFlops", 210e9, "peakNanos", 0.5e9);
        jmh(all, "gradWeight", "shape=1024x2048", 30, 0, 150e9);
        jmh(all, "matvec", "shape=2816x1024,type=F32", 6000, 60e9, 30e9);
        jmh(all, "probeBandwidth", "streams=2", 70, 75e9, 0);
        jmh(all, "probeBandwidth", "streams=4", 70, 80e9, 0);
        jmh(all, "probeFmaPeak", "", 140, 0, 400e9);
        // per second of iteration: 0.4 s in products over 24 GB, 0.5 s in reads over 36 GB: 60 and 72 GB/s
        counters(jmh(all, "matvecVsRead", "shape=2816x1024,type=F32", 3000, 0, 0),
                "matvecBytes", 24e9, "matvecNanos", 0.4e9, "readBytes", 36e9, "readNanos", 0.5e9);
        jmh(all, "selectiveScan", "tokens=512", 100, 0, 10e9);
        // per second of iteration, 12 GB per part: 0.24 s (50 GB/s) for the call ... 0.15 s (80 GB/s) for the read
        ObjectNode parts = jmh(all, "matvecTakenApart", "shape=2816x1024", 500, 0, 0);
        String[] names = {"matmul", "kernel", "twoRows", "fma", "xInRegister", "rowSums", "read4", "read"};
        double[] nanos = {0.24e9, 0.2e9, 0.1714e9, 0.3e9, 0.1875e9, 0.1765e9, 0.16e9, 0.15e9};
        for (int i = 0; i < names.length; i++) counters(parts, names[i] + "Bytes", 12e9, names[i] + "Nanos", nanos[i]);
        Path json = tmp.resolve("jmh.json");
        OM.writeValue(json.toFile(), all);
        CliTest.Run r = run("bench-report", json.toString(), "--kernels", "--machine", "Test CPU, 2 cores", "--out", tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(tmp.resolve("out/kernels.md"));
        assertTrue(md.contains("Machine: Test CPU, 2 cores."), md);
        assertTrue(md.contains("2 threads"), md);
        assertTrue(md.contains("| memory read, 1 GiB, 4 streams per chunk | 80.0 ± 0.8 GB/s |"), md);
        assertTrue(md.contains("of the faster read pattern, 80.0 GB/s, and of the peak, 400.0 GFLOP/s"), md);
        // matvec: 60 of 80 GB/s = 75% of the bandwidth; paired, 60 against 72 GB/s read = 83%
        assertTrue(md.contains("| F32 | 2816 × 1024 | 60.0 ± 0.6 | 75% | 30.0 | 60.0 | 72.0 | 83% |"), md);
        assertTrue(md.contains("| F32 | 2816 × 1024 | 512 | 300.0 ± 3.0 | 75% | 280.0 | 420.0 | 67% |"), md);
        assertTrue(md.contains("| 1024 × 2048 | 150.0 ± 1.5 | 38% |"), md);
        assertTrue(md.contains("| 512 | 100 | 10.0 ± 0.1 |"), md);
        // taken apart: each part's GB/s and % of the two-stream read of the same seconds
        assertTrue(md.contains("| 2816 × 1024 | 50.0 (63%) | 60.0 (75%) | 70.0 (88%) | 40.0 (50%) | 64.0 (80%) | 68.0 (85%) | 75.0 (94%) | 80.0 |"), md);
    }

    /** A run without the probes still gives its rates, and says why the fractions are missing. */
    @Test
    void kernelsReportWithoutProbesLeavesTheFractionsOut(@TempDir Path tmp) throws Exception {
        ArrayNode all = OM.createArrayNode();
        jmh(all, "matvec", "shape=2816x1024,type=Q8_0", 6000, 24e9, 45e9);
        Path json = tmp.resolve("jmh.json");
        OM.writeValue(json.toFile(), all);
        CliTest.Run r = run("bench-report", json.toString(), "--kernels", "--out", tmp.toString());
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(tmp.resolve("kernels.md"));
        assertTrue(md.contains("no probe results"), md);
        assertTrue(md.contains("| Q8_0 | 2816 × 1024 | 24.0 ± 0.2 | – | 45.0 | – | – | – |"), md);
    }

    @Test
    void kernelsReportRefusesWhatIsNotJmhsResult(@TempDir Path tmp) throws Exception {
        Path lines = tmp.resolve("results.jsonl");
        Files.writeString(lines, "{\"model\": \"bench-small-f32.gguf\", \"decode_tok_s\": 40}\n");
        CliTest.Run r = run("bench-report", lines.toString(), "--kernels", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("results.jsonl") && r.err().contains("JMH"), r.err());

        Path entries = tmp.resolve("other.json");
        Files.writeString(entries, "[{\"name\": \"x\"}]");
        r = run("bench-report", entries.toString(), "--kernels", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("other.json") && r.err().contains("entry 0"), r.err());

        r = run("bench-report", entries.toString(), "--kernels", "--context", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--context and --kernels"), r.err());
    }

    /** The side-by-side table: ratios against the faster of llama.cpp's two runs, fractions from jamba4j's probe. */
    @Test
    void llamaCppComparisonTableTakesTheFasterLlamaCppRun(@TempDir Path tmp) throws Exception {
        Path lines = tmp.resolve("results.jsonl");
        Files.writeString(lines, String.join("\n",
                "{\"machine\": {\"cpu\": \"Test CPU\", \"threads\": 2, \"memory\": \"8 GiB\", \"java\": \"25\", \"species\": \"avx2\", \"date\": \"today\"}}",
                "{\"model\": \"bench-small-f32.gguf\", \"engine\": \"llama.cpp\", \"mmap\": true, \"prefill_tok_s\": 100, \"decode_tok_s\": 20}",
                "{\"model\": \"bench-small-f32.gguf\", \"engine\": \"llama.cpp\", \"mmap\": false, \"prefill_tok_s\": 120, \"decode_tok_s\": 25}",
                "{\"model\": \"bench-small-f32.gguf\", \"engine\": \"jamba4j\", \"prompt\": 512, \"gen\": 64, \"threads\": 2, \"prefill_tok_s\": 360,"
                        + " \"decode_tok_s\": 40, \"warmup\": 5, \"cold_prefill_tok_s\": 20.5, \"cold_decode_tok_s\": 30, \"weights\": \"memory\", \"decode_gb_s\": 54.4, \"decode_fraction_of_bandwidth\": 0.68,"
                        + " \"prefill_gflop_s\": 245, \"prefill_fraction_of_peak\": 0.55, \"fma_peak_gflop_s\": 440,"
                        + " \"bandwidth_gb_s\": 80, \"bandwidth_gb_s_min\": 78, \"bandwidth_gb_s_max\": 82, \"decode_profile\": {"
                        + " \"embedding\": {\"ms_per_token\": 0.02, \"share\": 0.001, \"products_ms_per_token\": 0, \"products_gb_s\": 0},"
                        + " \"norms_and_residuals\": {\"ms_per_token\": 0.08, \"share\": 0.003, \"products_ms_per_token\": 0, \"products_gb_s\": 0},"
                        + " \"attention\": {\"ms_per_token\": 0.5, \"share\": 0.02, \"products_ms_per_token\": 0.4, \"products_gb_s\": 50},"
                        + " \"mamba\": {\"ms_per_token\": 8, \"share\": 0.32, \"products_ms_per_token\": 7, \"products_gb_s\": 50},"
                        + " \"mlp\": {\"ms_per_token\": 5, \"share\": 0.2, \"products_ms_per_token\": 5, \"products_gb_s\": 60},"
                        + " \"moe\": {\"ms_per_token\": 9.4, \"share\": 0.376, \"products_ms_per_token\": 9.2, \"products_gb_s\": 60},"
                        + " \"head\": {\"ms_per_token\": 2, \"share\": 0.08, \"products_ms_per_token\": 2, \"products_gb_s\": 60},"
                        + " \"outside_parts\": {\"ms_per_token\": 0, \"share\": 0}}}", ""));
        CliTest.Run r = run("bench-report", lines.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(tmp.resolve("out/README.md"));
        assertTrue(md.contains("Machine: Test CPU, 2 threads"), md);
        assertTrue(md.contains("| F32 | 360.0 | 100.0 | 120.0 | **3.00×** | 40.0 | 20.0 | 25.0 | **1.60×** | 54.4 (68%) |"), md);
        assertTrue(md.contains("follow 5 untimed ones") && md.contains("(prefill / decode tok/s): F32 20.5 / 30.0."), md);
        // the profile: per part ms, share and products' share; all products 23.6 of 25 ms (94.4%) at (0.4·50 + 7·50 +
        // 5·60 + 9.2·60 + 2·60) / 23.6 GB/s
        assertTrue(md.contains("| F32 | 8.00 ms, 32% (products 88%) | 9.40 ms, 38% (products 98%) | 5.00 ms, 20% (products 100%) |"
                + " 0.50 ms, 2% (products 80%) | 2.00 ms, 8% (products 100%) | 0.10 ms, 0.4% | 0.00 ms, 0.0% | 94.4%, 56.9 GB/s |"), md);
        assertTrue(Files.size(tmp.resolve("out/decode.png")) > 0);
    }
}
