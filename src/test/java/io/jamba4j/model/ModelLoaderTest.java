package io.jamba4j.model;

import io.jamba4j.format.GgufFile;
import io.jamba4j.format.GgufWriter;
import io.jamba4j.format.Residency;
import io.jamba4j.format.SafetensorsCheckpoint;
import io.jamba4j.format.SafetensorsWriter;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Checkpoints that disagree with their config fail with an error naming the file and the tensor. */
class ModelLoaderTest {
    static Path copyHf(Path tmp, String fixture) throws Exception {
        Path src = FixtureSupport.dir(fixture).resolve("hf"), dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (var s = Files.list(src)) {
            for (Path p : s.toList()) Files.copy(p, dst.resolve(p.getFileName()));
        }
        return dst;
    }

    static ModelException buildFails(Path path) {
        return assertThrows(ModelException.class, () -> {
            try (ModelLoader.Checkpoint c = ModelLoader.open(path)) {
                ModelLoader.build(c);
            }
        });
    }

    /** Weights read into memory give the same logits, bit for bit, as the same files mapped (GGUF and HF). */
    @Test
    void mappedAndReadIntoMemoryGiveIdenticalLogits() throws Exception {
        Path dir = FixtureSupport.dir("B-hybrid-moe");
        int[] tokens = {1, 17, 230, 5, 99, 400, 3, 8};
        for (Path p : List.of(dir.resolve("model.gguf"), dir.resolve("hf"))) {
            float[][] logits = new float[2][];
            Residency[] modes = {Residency.MAPPED, Residency.MEMORY};
            for (int m = 0; m < 2; m++) {
                try (ModelLoader.Checkpoint c = ModelLoader.open(p, modes[m])) {
                    assertEquals(modes[m], c.residency());
                    JambaModel model = ModelLoader.build(c);
                    logits[m] = new float[tokens.length * model.vocabSize()];
                    model.forward(tokens, 0, tokens.length, model.newCache(tokens.length), new Workspace(), logits[m], true);
                }
            }
            assertArrayEquals(logits[0], logits[1], p.toString());
        }
    }

    @Test
    void shapeMismatchWithConfigNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = copyHf(tmp, "A-tiny-dense");
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"intermediate_size\": 128", "\"intermediate_size\": 96"));
        ModelException e = buildFails(dir);
        assertTrue(e.getMessage().contains("feed_forward.gate_proj.weight") && e.getMessage().contains("[128, 64]")
                && e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void missingTensorIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyHf(tmp, "B-hybrid-moe");
        List<Tensor> keep = new ArrayList<>();
        try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir)) {
            for (Tensor t : st.tensors().values()) {
                if (!t.name().equals("model.layers.3.feed_forward.experts.2.up_proj.weight")) keep.add(t.asF32().renamed(t.name()));
            }
            List<Tensor> copies = new ArrayList<>();
            for (Tensor t : keep) copies.add(Tensor.ofFloats(t.name(), t.toFloats(), t.shape()));
            Files.delete(dir.resolve("model.safetensors"));
            SafetensorsWriter w = new SafetensorsWriter();
            copies.forEach(w::add);
            w.write(dir.resolve("model.safetensors"));
        }
        ModelException e = buildFails(dir);
        assertTrue(e.getMessage().contains("missing tensor 'model.layers.3.feed_forward.experts.2.up_proj.weight'"), e.getMessage());
    }

    @Test
    void unsupportedQuantTypeIsNamed(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("q5k.gguf");
        try (GgufFile f = GgufFile.open(FixtureSupport.dir("A-tiny-dense").resolve("model.gguf"))) {
            GgufWriter w = new GgufWriter();
            w.putAll(f);
            for (Tensor t : f.tensors()) {
                if (t.name().equals("blk.0.ssm_in.weight")) {
                    // same shape (rows of 64 → not whole 256-blocks), so use a type with 32-blocks that we do not support
                    long bytes = GgmlType.Q5_0.bytesFor(t.numElements());
                    w.addTensor(new Tensor(t.name(), GgmlType.Q5_0, t.shape(), MemorySegment.ofArray(new byte[(int) bytes])));
                } else {
                    w.addTensor(t);
                }
            }
            w.write(out);
        }
        ModelException e = buildFails(out);
        assertTrue(e.getMessage().contains("ssm_in") && e.getMessage().contains("Q5_0"), e.getMessage());
    }

    @Test
    void unexpectedGgufTensorAndWrongArchitectureAreRejected(@TempDir Path tmp) throws Exception {
        Path extra = tmp.resolve("extra.gguf");
        Path arch = tmp.resolve("arch.gguf");
        try (GgufFile f = GgufFile.open(FixtureSupport.dir("A-tiny-dense").resolve("model.gguf"))) {
            GgufWriter w = new GgufWriter();
            w.putAll(f);
            f.tensors().forEach(w::addTensor);
            w.addTensor(Tensor.ofFloats("blk.0.mystery.weight", new float[4], 4));
            w.write(extra);
            GgufWriter w2 = new GgufWriter();
            w2.putAll(f);
            w2.putString("general.architecture", "llama");
            f.tensors().forEach(w2::addTensor);
            w2.write(arch);
        }
        ModelException e = buildFails(extra);
        assertTrue(e.getMessage().contains("blk.0.mystery.weight"), e.getMessage());
        e = buildFails(arch);
        assertTrue(e.getMessage().contains("architecture") && e.getMessage().contains("llama"), e.getMessage());
    }

    @Test
    void notAModelDirectory(@TempDir Path tmp) {
        ModelException e = assertThrows(ModelException.class, () -> ModelLoader.open(tmp));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
