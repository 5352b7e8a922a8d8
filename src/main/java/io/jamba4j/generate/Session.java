package io.jamba4j.generate;

import io.jamba4j.model.Cache;
import io.jamba4j.model.JambaModel;
import io.jamba4j.model.KvType;
import io.jamba4j.model.ModelException;
import io.jamba4j.model.StepProfile;
import io.jamba4j.model.Workspace;
import io.jamba4j.tokenizer.StreamingDecoder;
import io.jamba4j.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * One sequence being evaluated and extended: its cache (KV for the attention layers, conv + SSM state for the
 * Mamba layers), scratch buffers and generation loop. A prompt is evaluated in one batched pass (prefill), then
 * tokens are decoded one at a time. Not thread-safe; one session per conversation.
 */
public final class Session {
    private final JambaModel model;
    private final Tokenizer tokenizer;
    private final Cache cache;
    private final Workspace ws = new Workspace();
    private final int[] eosIds;
    private final float[] lastLogits;
    private final int[] one = new int[1];

    public Session(JambaModel model, Tokenizer tokenizer, int contextSize, int[] eosIds) {
        this(model, tokenizer, contextSize, eosIds, KvType.F32);
    }

    /** A session whose attention layers cache K and V as {@code kvType}. */
    public Session(JambaModel model, Tokenizer tokenizer, int contextSize, int[] eosIds, KvType kvType) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.cache = model.newCache(contextSize, kvType);
        this.eosIds = eosIds.clone();
        this.lastLogits = new float[model.vocabSize()];
    }

    /** Tokens consumed so far. */
    public int position() { return cache.position(); }
    public int contextSize() { return cache.capacity(); }
    public Cache cache() { return cache; }

    /** Times the parts of every forward pass from now on into {@code profile} (null: stops timing). */
    public void profile(StepProfile profile) { ws.profile(profile); }

    /** Forgets the sequence. */
    public void reset() { cache.reset(); }

    /** Evaluates {@code tokens} after what the session holds and returns the logits of the last one (a view, valid until the next call). */
    public float[] evaluate(int[] tokens) {
        model.forward(tokens, 0, tokens.length, cache, ws, lastLogits, false);
        return lastLogits;
    }

    /** Evaluates {@code tokens} and returns all T rows of logits, [T, vocab] row-major (row t predicts token t+1). */
    public float[] evaluateAll(int[] tokens) {
        long n = (long) tokens.length * model.vocabSize();
        if (n > Integer.MAX_VALUE - 16) throw new ModelException(tokens.length + " rows of logits do not fit one array; evaluate fewer tokens at a time");
        float[] out = new float[(int) n];
        model.forward(tokens, 0, tokens.length, cache, ws, out, true);
        System.arraycopy(out, out.length - model.vocabSize(), lastLogits, 0, model.vocabSize());
        return out;
    }

    /** Feeds one token and returns the next-token logits (a view, valid until the next call). */
    public float[] step(int token) {
        one[0] = token;
        return evaluate(one);
    }

    /** Tokenizes {@code prompt} (BOS added as the tokenizer is configured) and generates from it. */
    public GenerationResult generate(String prompt, SamplingParams params, TokenListener listener) {
        if (tokenizer == null) throw new ModelException("this model has no tokenizer; pass token ids instead");
        int[] ids = tokenizer.encode(prompt, cache.position() == 0);
        return generate(ids, params, listener);
    }

    /** Evaluates {@code prompt} ids, then samples up to {@code params.maxTokens()} tokens, streaming them to {@code listener}. */
    public GenerationResult generate(int[] prompt, SamplingParams params, TokenListener listener) {
        if (prompt.length == 0) throw new ModelException("the prompt is empty: give at least one token (e.g. BOS)");
        if (prompt.length > cache.remaining()) {
            throw new ModelException("the prompt has " + prompt.length + " tokens but only " + cache.remaining()
                    + " of the context size " + cache.capacity() + " are free; use a larger context or a shorter prompt");
        }
        Sampler sampler = new Sampler(params, model.vocabSize());
        for (int t : prompt) sampler.accept(t);
        StopFilter out = new StopFilter(params.stopStrings(), listener);
        StreamingDecoder decoder = tokenizer == null ? null : tokenizer.streamingDecoder();

        long t0 = System.nanoTime();
        float[] logits = evaluate(prompt);
        long t1 = System.nanoTime();
        int[] generated = new int[params.maxTokens()];
        int n = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (n < params.maxTokens()) {
            int next = sampler.sample(logits, 0, model.vocabSize());
            if (!params.ignoreEos() && isEos(next)) {
                reason = StopReason.EOS;
                break;
            }
            generated[n++] = next;
            sampler.accept(next);
            String piece = decoder == null ? "" : decoder.next(next);
            if (out.accept(next, piece)) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (n == params.maxTokens()) break;
            if (cache.remaining() == 0) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            logits = step(next);
        }
        if (decoder != null && reason != StopReason.STOP_STRING) out.accept(-1, decoder.flush());
        out.finish(reason != StopReason.STOP_STRING);
        long t2 = System.nanoTime();
        return new GenerationResult(Arrays.copyOf(generated, n), out.text(), reason, prompt.length,
                (t1 - t0) / 1e9, n, (t2 - t1) / 1e9);
    }

    private boolean isEos(int id) {
        for (int e : eosIds) if (e == id) return true;
        return false;
    }

    /** Holds back streamed text that might be the start of a stop string; cuts the text at the first stop string. */
    private static final class StopFilter {
        private final java.util.List<String> stops;
        private final TokenListener listener;
        private final StringBuilder text = new StringBuilder();
        private int emitted;
        private int lastToken = -1;

        StopFilter(java.util.List<String> stops, TokenListener listener) {
            this.stops = stops;
            this.listener = listener == null ? (id, s) -> { } : listener;
        }

        /** Returns true when a stop string has been found. */
        boolean accept(int token, String piece) {
            if (token >= 0) lastToken = token;
            text.append(piece);
            for (String s : stops) {
                int at = text.indexOf(s, Math.max(0, emitted - s.length()));
                if (at >= 0) {
                    text.setLength(at);
                    flushUpTo(text.length());
                    return true;
                }
            }
            int safe = text.length();
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, text.length()); k > 0; k--) {
                    if (text.length() - k >= emitted && text.substring(text.length() - k).equals(s.substring(0, k))) {
                        safe = Math.min(safe, text.length() - k);
                        break;
                    }
                }
            }
            flushUpTo(safe);
            return false;
        }

        void finish(boolean flushAll) {
            if (flushAll) flushUpTo(text.length());
        }

        private void flushUpTo(int end) {
            if (end > emitted) {
                listener.onToken(lastToken, text.substring(emitted, end));
                emitted = end;
            }
        }

        String text() {
            return text.toString();
        }
    }
}
