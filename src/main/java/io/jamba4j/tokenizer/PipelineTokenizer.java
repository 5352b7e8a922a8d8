package io.jamba4j.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * The tokenizer pipeline of HF tokenizers, used for every source: added-token split, normalizer,
 * pre-tokenizer, model, post-processor (BOS/EOS) and decoder.
 */
final class PipelineTokenizer implements Tokenizer {

    /** Vocabulary family, for export. */
    enum Kind {
        /** SentencePiece-style BPE over "▁"-escaped text with byte fallback (Llama 2, Mistral, Jamba). */
        SPM,
        /** GPT-2 byte-level BPE (GPT-2, Llama 3, Qwen2). */
        BYTE_LEVEL
    }

    /**
     * Everything a tokenizer is made of.
     *
     * @param normalizer    may be null
     * @param preTokenizer  may be null
     * @param prefix        ids added before the text when encoding with addSpecial
     * @param suffix        ids added after the text when encoding with addSpecial
     * @param bos           BOS id or -1 (likewise eos, pad, unk)
     * @param addSpacePrefix SPM only: "▁" is prepended to each text segment
     * @param preName       BYTE_LEVEL only: llama.cpp pre-tokenizer name (null if unknown)
     * @param ignoreMerges  BPE ignore_merges (words that are pieces are kept whole)
     * @param chatTemplate  may be null
     * @param hfSource      the tokenizer.json/tokenizer_config.json it was loaded from, or null
     */
    record Parts(Vocab vocab, UnaryOperator<String> normalizer, PreTokenizer preTokenizer, Model model,
                 Decoders.Decoder decoder, AddedVocabulary added, int[] prefix, int[] suffix,
                 int bos, int eos, int pad, int unk, Kind kind, boolean addSpacePrefix, String preName,
                 boolean ignoreMerges, String chatTemplate, HfSource hfSource) {}

    /** The JSON documents of an HF tokenizer, kept so {@link #writeHf} reproduces them exactly. */
    record HfSource(com.fasterxml.jackson.databind.JsonNode tokenizerJson,
                    com.fasterxml.jackson.databind.JsonNode tokenizerConfig,
                    com.fasterxml.jackson.databind.JsonNode specialTokensMap) {}

    final Parts p;
    private final boolean[] special;

    PipelineTokenizer(Parts parts) {
        this.p = parts;
        this.special = new boolean[parts.vocab().size()];
        for (int i = 0; i < special.length; i++) {
            TokenType t = parts.vocab().types[i];
            special[i] = t == TokenType.CONTROL || t == TokenType.UNKNOWN;
        }
    }

    @Override
    public int vocabSize() {
        return p.vocab().size();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList();
        if (addSpecial) out.addAll(p.prefix());
        boolean atStart = true; // the next segment starts the text (Metaspace prepend_scheme "first")
        for (AddedVocabulary.Segment raw : p.added().split(text, false, parseSpecial)) {
            if (raw.isToken()) {
                out.add(raw.id());
                atStart = false;
                continue;
            }
            String normalized = p.normalizer() == null ? raw.text() : p.normalizer().apply(raw.text());
            for (AddedVocabulary.Segment seg : p.added().split(normalized, true, parseSpecial)) {
                if (seg.isToken()) {
                    out.add(seg.id());
                } else {
                    List<String> words = p.preTokenizer() == null ? List.of(seg.text()) : p.preTokenizer().apply(List.of(seg.text()), atStart);
                    for (String w : words) p.model().encodeWord(w, out);
                }
                atStart = false;
            }
        }
        if (addSpecial) out.addAll(p.suffix());
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            if (skipSpecial && special[id]) continue;
            String piece = p.vocab().pieces[id];
            tokens.add(piece == null ? "" : piece);
        }
        return String.join("", p.decoder().apply(tokens));
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new TokenizerException("token id " + id + " is out of range: vocabulary size is " + vocabSize());
        }
    }

    @Override
    public String piece(int id) {
        checkId(id);
        String piece = p.vocab().pieces[id];
        return piece == null ? "" : piece;
    }

    @Override
    public OptionalInt id(String piece) {
        int id = p.vocab().id(piece);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    private static OptionalInt opt(int id) {
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public OptionalInt bosId() {
        return opt(p.bos());
    }

    @Override
    public OptionalInt eosId() {
        return opt(p.eos());
    }

    @Override
    public OptionalInt padId() {
        return opt(p.pad());
    }

    @Override
    public OptionalInt unkId() {
        return opt(p.unk());
    }

    @Override
    public TokenType tokenType(int id) {
        checkId(id);
        return p.vocab().types[id];
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(ids -> decode(ids, false));
    }

    @Override
    public Map<String, Object> toGgufMetadata() {
        return GgufExport.metadata(this);
    }

    @Override
    public void writeHf(Path dir) {
        HfExport.write(this, dir);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + p.kind() + ", " + vocabSize() + " ids]";
    }
}
