package io.jamba4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.Jamba;
import io.jamba4j.format.Residency;
import io.jamba4j.generate.Sampler;
import io.jamba4j.generate.Session;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.Parallel;
import io.jamba4j.model.StepProfile;
import io.jamba4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", description = {
        "Prefill and decode speed, with the semantics of llama.cpp's reference bench (scripts/reference/llamacpp-bench.mjs):",
        "a prompt of P token ids (ids 3..3+V-1 from the same seeded generator) evaluated as one batch, then N single-token",
        "greedy decode steps; best of R repetitions. Prints one JSON line."})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Mixin
    ModelOption model;

    @Option(names = "--prompt", description = "Prompt tokens (default: ${DEFAULT-VALUE}).", defaultValue = "512")
    int prompt;
    @Option(names = "--gen", description = "Decode steps (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int gen;
    @Option(names = "--reps", description = "Repetitions, best is reported (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int reps;
    @Option(names = "--vocab-range", description = "Prompt ids are drawn from 3..3+V-1 (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    int vocabRange;
    @Option(names = "--probe", description = {"Also measure this machine's fp32 FMA peak, its memory read bandwidth in a",
            "1.5 s window per read pattern right after each repetition's decode, and then the decode step's own weights",
            "read without the products in the decode's call structure (adds ~5.5 s per repetition)."})
    boolean probe;
    @Option(names = "--fill", defaultValue = "0", description = {"Decode at a long context without paying for its prefill: marks N",
            "positions as cached (zero K/V rows) before the prompt, so prefill and decode attend over N more keys (default: 0)."})
    int fill;
    @Option(names = "--warmup", defaultValue = "0", description = {"Untimed repetitions before the timed ones, so that the JIT",
            "has compiled every path (prefill and decode) before timing: the steady state a long-running process sees",
            "(default: ${DEFAULT-VALUE}). The first repetition's rates, warm-up or not, are reported as cold_*_tok_s."})
    int warmup;
    @Option(names = "--profile", description = {"Also time the prefill's and the decode's parts (embedding, norms and residuals,",
            "attention, Mamba, MLP, MoE, head) and their matrix products, over the repetitions after the first",
            "(StepProfile): adds prefill_profile and decode_profile to the JSON line."})
    boolean profile;
    @Mixin
    KvTypeOption kv;

    @Override
    public Integer call() throws Exception {
        if (reps < 1 || gen < 1 || prompt < 1 || fill < 0 || warmup < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "bench: --reps, --gen and --prompt must be at least 1, --fill and --warmup at least 0 (got --reps " + reps
                            + ", --gen " + gen + ", --prompt " + prompt + ", --fill " + fill + ", --warmup " + warmup + ")");
        }
        var simd = Main.simdCheck(main.noSimdCheck);
        long t0 = System.nanoTime();
        try (Jamba j = model.load()) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            simd.join();
            int v = j.config().vocabSize;
            // the same LCG as llamacpp-bench.mjs, so both engines see the same prompt
            long seed = 12345;
            int[] ids = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                seed = (seed * 1103515245L + 12345L) & 0xFFFFFFFFL;
                ids[i] = 3 + (int) Math.floor(seed / 4294967296.0 * Math.min(vocabRange, v - 3));
            }
            int context = fill + prompt + gen + 16;
            double bestPre = 0, bestDec = 0;
            // one session for all repetitions, reset between them, as one conversation would hold it (fresh sessions
            // per repetition would leave the earlier ones' caches and buffers as garbage in the old generation and
            // inflate the resident memory measured below)
            Session s = j.newSession(context, kv.type);
            // with --probe: each repetition's decode rate, and the bandwidth and the step's weights read in windows
            // right after it (the bandwidth of a shared machine moves by half from one minute to the next, so each
            // decode is set against its own neighbours); the peak RSS is read before the first probe, which maps
            // 1 GiB of its own
            double[] decRate = new double[reps], bwRate = new double[reps], readRate = new double[reps];
            // per repetition, of the decode: parallel calls per token, and the shares of its time inside parallel
            // calls and spent by the calling thread waiting for the others' chunks (Parallel.stats)
            double[] callsPerTok = new double[reps], inCalls = new double[reps], waiting = new double[reps];
            // heap bytes allocated per decode step, by all threads: the decode allocates nothing once compiled, so
            // more means Vector API code running without its C2 intrinsics (boxed vectors), which JDK 25 now and then
            // leaves in place for a whole run (corretto/corretto-jdk#161: which compilation wins is nondeterministic)
            double[] allocPerTok = new double[reps];
            // (HotSpot's extension; elsewhere the field is left out rather than the bench failing on a cast)
            var threadBean = java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t ? t : null;
            List<Tensor> stepWeights = stepWeights(j);
            long rss = -1;
            // the first repetition also compiles the decode path: left out of the medians and the profile when there
            // are others
            int from = reps > 1 ? 1 : 0;
            StepProfile prefillProfile = new StepProfile(), stepProfile = new StepProfile();
            long prefillNanos = 0, profiledNanos = 0;
            double coldPre = 0, coldDec = 0;
            for (int r = 0; r < warmup; r++) {
                s.reset();
                if (fill > 0) s.cache().skipPositions(fill);
                long a = System.nanoTime();
                int tok = Sampler.argmax(s.evaluate(ids), 0, v);
                long b = System.nanoTime();
                for (int k = 0; k < gen; k++) tok = Sampler.argmax(s.step(tok), 0, v);
                long c = System.nanoTime();
                if (r == 0) {
                    coldPre = prompt / ((b - a) / 1e9);
                    coldDec = gen / ((c - b) / 1e9);
                }
            }
            for (int r = 0; r < reps; r++) {
                s.reset();
                if (fill > 0) s.cache().skipPositions(fill);
                boolean profiled = profile && r >= from;
                if (profiled) s.profile(prefillProfile);
                long a = System.nanoTime();
                float[] logits = s.evaluate(ids);
                int tok = Sampler.argmax(logits, 0, v);
                if (profiled) prefillNanos += System.nanoTime() - a;
                Parallel.Stats p0 = Parallel.stats();
                s.profile(profiled ? stepProfile : null);
                long heap0 = threadBean == null ? -1 : threadBean.getTotalThreadAllocatedBytes();
                long b = System.nanoTime();
                for (int k = 0; k < gen; k++) tok = Sampler.argmax(s.step(tok), 0, v);
                long c = System.nanoTime();
                long heap1 = threadBean == null ? -1 : threadBean.getTotalThreadAllocatedBytes();
                allocPerTok[r] = heap0 < 0 || heap1 < 0 ? Double.NaN : (heap1 - heap0) / (double) gen;
                s.profile(null);
                if (profiled) profiledNanos += c - b;
                Parallel.Stats ps = Parallel.stats().minus(p0);
                callsPerTok[r] = ps.calls() / (double) gen;
                inCalls[r] = ps.nanosInCalls() / (double) (c - b);
                waiting[r] = ps.nanosWaiting() / (double) (c - b);
                decRate[r] = gen / ((c - b) / 1e9);
                bestPre = Math.max(bestPre, prompt / ((b - a) / 1e9));
                bestDec = Math.max(bestDec, decRate[r]);
                if (warmup == 0 && r == 0) {
                    coldPre = prompt / ((b - a) / 1e9);
                    coldDec = decRate[r];
                }
                if (probe) {
                    if (r == 0) rss = peakRssBytes();
                    bwRate[r] = io.jamba4j.kernels.KernelBench.bandwidth(1, 1_500_000_000L);
                    readRate[r] = io.jamba4j.kernels.KernelBench.weightsRead(stepWeights, 1, 1_500_000_000L);
                }
            }
            if (!probe) rss = peakRssBytes();
            long weightBytes = j.checkpoint().weights().tensors().values().stream().mapToLong(t -> t.byteSize()).sum();
            Runtime rt = Runtime.getRuntime();
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", j.path().getFileName().toString());
            o.put("engine", "jamba4j");
            o.put("prompt", prompt);
            o.put("gen", gen);
            o.put("threads", Parallel.threads());
            o.put("load_s", Math.round(loadS * 100) / 100.0);
            o.put("prefill_tok_s", Math.round(bestPre * 100) / 100.0);
            o.put("decode_tok_s", Math.round(bestDec * 100) / 100.0);
            o.put("warmup", warmup);
            o.put("cold_prefill_tok_s", Math.round(coldPre * 100) / 100.0); // the first repetition: JIT compilation included
            o.put("cold_decode_tok_s", Math.round(coldDec * 100) / 100.0);
            o.put("weight_bytes", weightBytes);
            o.put("weights", j.checkpoint().residency() == Residency.MAPPED ? "mmap" : "memory"); // --[no-]mmap
            o.put("kv_type", kv.type.toString());
            int f32Rows = MatMul.f32MatvecRows();
            if (f32Rows != 0) o.put("f32_matvec_rows", f32Rows); // the F32 matvec kernel chosen (MatMul.F32Rows)
            String q6k = MatMul.q6kKernel();
            if (q6k != null) o.put("q6k_matvec_kernel", q6k); // MatMul.Q6K_WATCH's choice
            String q4k = MatMul.q4kKernel();
            if (q4k != null) o.put("q4k_matvec_kernel", q4k); // MatMul.Q4K_WATCH's choice
            o.put("context_fill", fill);
            o.put("kv_cache_bytes", j.config().kvCacheBytes(context, kv.type.bytes()));
            o.put("mamba_state_bytes", j.config().mambaStateBytes());
            o.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
            // the resident-memory prediction (as `jamba info --context N` prints it) next to the measured peak RSS
            var estimate = io.jamba4j.model.MemoryEstimate.of(j.config(), weightBytes, context, kv.type);
            o.put("memory_estimate_bytes", estimate.total());
            if (rss > 0) {
                o.put("peak_rss_bytes", rss);
                o.put("peak_rss_over_estimate", Math.round(1000.0 * rss / estimate.total()) / 1000.0);
            }
            // what one decode step must read: its weights (stepWeights), the embedding row of its token (unless the
            // embedding is also the head, and so among them), the KV cache at the final length and the Mamba state
            // (read and written)
            var cfg = j.config();
            long stepBytes = 0;
            for (Tensor t : stepWeights) stepBytes += t.byteSize();
            if (!cfg.tieWordEmbeddings) stepBytes += j.model().embedTokens().rowBytes();
            stepBytes += cfg.kvCacheBytes(fill + prompt + gen, kv.type.bytes()) + 2 * cfg.mambaStateBytes();
            double flopsTok = io.jamba4j.model.Flops.forwardPerToken(cfg, prompt);
            o.put("decode_bytes_per_token", stepBytes);
            o.put("decode_gb_s", Math.round(bestDec * stepBytes / 1e7) / 100.0);
            o.put("decode_parallel_calls_per_token", Math.round(medianOf(callsPerTok, from) * 10) / 10.0);
            o.put("decode_share_in_parallel_calls", Math.round(medianOf(inCalls, from) * 1000) / 1000.0);
            o.put("decode_share_waiting_for_threads", Math.round(medianOf(waiting, from) * 1000) / 1000.0);
            double alloc = medianOf(allocPerTok, from);
            if (!Double.isNaN(alloc)) {
                o.put("decode_heap_bytes_per_token", Math.round(alloc));
                if (alloc > UNINTRINSIFIED_BYTES_PER_TOKEN) {
                    System.err.printf(java.util.Locale.ROOT, "jamba bench: the decode allocated %.0f KiB per token (it allocates nothing "
                            + "once compiled): some Vector API code runs without its intrinsics in this JVM (a nondeterminism of "
                            + "JDK 25's C2, corretto/corretto-jdk#161), so these speeds are not representative; run again%n", alloc / 1024);
                }
            }
            o.put("prefill_gflop_per_token", Math.round(flopsTok / 1e4) / 1e5);
            o.put("prefill_gflop_s", Math.round(bestPre * flopsTok / 1e8) / 10.0);
            if (profile) {
                o.set("prefill_profile", profileJson(o, prefillProfile, prefillNanos, (long) prompt * (reps - from)));
                o.set("decode_profile", profileJson(o, stepProfile, profiledNanos, (long) gen * (reps - from)));
            }
            if (probe) {
                double peak = io.jamba4j.kernels.KernelBench.fmaPeak();
                double[] fractions = new double[reps], ofRead = new double[reps];
                for (int r = 0; r < reps; r++) {
                    fractions[r] = decRate[r] * stepBytes / bwRate[r] / 1e9;
                    ofRead[r] = decRate[r] * stepBytes / readRate[r] / 1e9;
                }
                double[] bws = java.util.Arrays.copyOfRange(bwRate, from, reps);
                java.util.Arrays.sort(bws);
                o.put("vector_bits", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
                o.put("fma_peak_gflop_s", Math.round(peak * 10) / 10.0);
                o.put("bandwidth_gb_s", Math.round(median(bws) * 100) / 100.0);
                o.put("bandwidth_gb_s_min", Math.round(bws[0] * 100) / 100.0);
                o.put("bandwidth_gb_s_max", Math.round(bws[bws.length - 1] * 100) / 100.0);
                // median over those repetitions of (decode GB/s ÷ the bandwidth read right after it)
                o.put("decode_fraction_of_bandwidth", Math.round(medianOf(fractions, from) * 1000) / 1000.0);
                // the step's own weights read in the step's call structure, no products (KernelBench.weightsRead),
                // in a window right after the bandwidth probe: splits the decode's shortfall into what the many
                // calls cost (weights read ÷ bandwidth) and what the products and the rest cost (decode ÷ weights read)
                o.put("weights_read_gb_s", Math.round(medianOf(readRate, from) * 100) / 100.0);
                o.put("decode_fraction_of_weights_read", Math.round(medianOf(ofRead, from) * 1000) / 1000.0);
                o.put("prefill_fraction_of_peak", Math.round(bestPre * flopsTok / peak / 1e9 * 1000) / 1000.0);
            }
            System.out.println(o);
        }
        return 0;
    }

    /**
     * The weights one decode step reads, in file order: every tensor but the embedding (unless it is also the head),
     * and of the experts only top-k per MoE layer, the first k (the stacked GGUF tensors sliced, HF's per-expert
     * tensors by index): which k a token picks moves where the bytes are, not how many.
     */
    static List<Tensor> stepWeights(Jamba j) {
        var cfg = j.config();
        List<Tensor> out = new ArrayList<>();
        java.util.regex.Pattern expertIndex = java.util.regex.Pattern.compile("\\.experts\\.(\\d+)\\.");
        for (var e : j.checkpoint().weights().tensors().entrySet()) {
            String n = e.getKey();
            Tensor t = e.getValue();
            if (!cfg.tieWordEmbeddings && io.jamba4j.model.WeightNames.isTokenEmbedding(n)) continue;
            if (n.contains("_exps.")) {
                for (int x = 0; x < cfg.numExpertsPerTok; x++) out.add(t.slice(x));
            } else if (n.contains(".experts.")) {
                java.util.regex.Matcher m = expertIndex.matcher(n);
                if (!m.find() || Integer.parseInt(m.group(1)) < cfg.numExpertsPerTok) out.add(t);
            } else {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Heap bytes per decode step above which `bench` warns that vector code runs boxed: a compiled decode allocates
     * nothing; a boxed 512-bit vector is ~80 bytes, and a bench-small step runs millions of vector operations.
     */
    static final double UNINTRINSIFIED_BYTES_PER_TOKEN = 256 * 1024;

    /**
     * A profile as JSON: per part, milliseconds per token, share of the wall time, and of its time the matrix
     * products' milliseconds per token and GB/s of weights; then what lies outside the parts (the sampling between
     * decode steps, the loop), so that the shares add up to 1.
     */
    static ObjectNode profileJson(ObjectNode parent, StepProfile p, long wallNanos, long tokens) {
        ObjectNode o = parent.objectNode();
        long inParts = 0;
        for (var e : p.totals().entrySet()) {
            StepProfile.Totals t = e.getValue();
            inParts += t.nanos();
            ObjectNode part = o.putObject(e.getKey().name().toLowerCase(java.util.Locale.ROOT));
            part.put("ms_per_token", Math.round(t.nanos() / 1e3 / tokens) / 1e3);
            part.put("share", Math.round(t.share(wallNanos) * 1000) / 1000.0);
            part.put("products_ms_per_token", Math.round(t.productNanos() / 1e3 / tokens) / 1e3);
            part.put("products_gb_s", Math.round(t.productGBs() * 10) / 10.0);
        }
        ObjectNode rest = o.putObject("outside_parts");
        rest.put("ms_per_token", Math.round((wallNanos - inParts) / 1e3 / tokens) / 1e3);
        rest.put("share", Math.round(1000.0 * (wallNanos - inParts) / wallNanos) / 1000.0);
        return o;
    }

    /** Median of {@code v[from..]}. */
    static double medianOf(double[] v, int from) {
        double[] c = java.util.Arrays.copyOfRange(v, from, v.length);
        java.util.Arrays.sort(c);
        return median(c);
    }

    /** Median of a sorted array. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The process' peak resident set size (VmHWM of /proc/self/status), or -1 where there is none (not Linux). */
    static long peakRssBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // kB
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or an unexpected format: no figure
        }
        return -1;
    }
}
