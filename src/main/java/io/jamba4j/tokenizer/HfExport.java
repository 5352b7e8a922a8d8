package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@link Tokenizer#writeHf}: a tokenizer loaded from HF files is written back unchanged; one
 * loaded from GGUF metadata is described as an HF BPE tokenizer.json (SentencePiece style: legacy
 * Llama normalizer, byte fallback, merges derived from the scores the way transformers'
 * SentencePiece converter does; byte-level: Split regex + ByteLevel, ranked merges).
 */
final class HfExport {
    private HfExport() {}

    static void write(PipelineTokenizer t, Path dir) {
        PipelineTokenizer.Parts p = t.p;
        JsonNode tokenizerJson, config, specialMap;
        if (p.hfSource() != null) {
            tokenizerJson = p.hfSource().tokenizerJson();
            config = p.hfSource().tokenizerConfig() != null ? p.hfSource().tokenizerConfig() : config(p);
            specialMap = p.hfSource().specialTokensMap() != null ? p.hfSource().specialTokensMap() : specialMap(p);
        } else {
            tokenizerJson = tokenizerJson(t);
            config = config(p);
            specialMap = specialMap(p);
        }
        try {
            Files.createDirectories(dir);
            var writer = HfLoader.MAPPER.writerWithDefaultPrettyPrinter();
            writer.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson);
            writer.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
            writer.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialMap);
        } catch (IOException e) {
            throw new TokenizerException("cannot write tokenizer files to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode obj() {
        return HfLoader.MAPPER.createObjectNode();
    }

    private static String piece(PipelineTokenizer.Parts p, int id) {
        return id < 0 ? null : p.vocab().pieces[id];
    }

    private static ObjectNode config(PipelineTokenizer.Parts p) {
        ObjectNode c = obj();
        c.put("add_bos_token", p.prefix().length > 0 && p.prefix()[0] == p.bos());
        c.put("add_eos_token", p.suffix().length > 0 && p.suffix()[p.suffix().length - 1] == p.eos());
        c.put("bos_token", piece(p, p.bos()));
        c.put("eos_token", piece(p, p.eos()));
        c.put("unk_token", piece(p, p.unk()));
        c.put("pad_token", piece(p, p.pad()));
        c.put("clean_up_tokenization_spaces", false);
        if (p.chatTemplate() != null) c.put("chat_template", p.chatTemplate());
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static ObjectNode specialMap(PipelineTokenizer.Parts p) {
        ObjectNode s = obj();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            int id = switch (key) {
                case "bos_token" -> p.bos();
                case "eos_token" -> p.eos();
                case "unk_token" -> p.unk();
                default -> p.pad();
            };
            if (id >= 0) s.put(key, piece(p, id));
        }
        return s;
    }

    private static ObjectNode tokenizerJson(PipelineTokenizer t) {
        PipelineTokenizer.Parts p = t.p;
        boolean spm = p.kind() == PipelineTokenizer.Kind.SPM;
        ObjectNode root = obj();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (AddedVocabulary.AddedToken a : p.added().tokens()) {
            ObjectNode o = added.addObject();
            o.put("id", a.id());
            o.put("content", a.content());
            o.put("single_word", a.singleWord());
            o.put("lstrip", a.lstrip());
            o.put("rstrip", a.rstrip());
            o.put("normalized", a.normalized());
            o.put("special", a.special());
        }
        if (spm) {
            ObjectNode norm = root.putObject("normalizer");
            norm.put("type", "Sequence");
            ArrayNode list = norm.putArray("normalizers");
            if (p.addSpacePrefix()) list.addObject().put("type", "Prepend").put("prepend", "▁");
            ObjectNode rep = list.addObject().put("type", "Replace");
            rep.putObject("pattern").put("String", " ");
            rep.put("content", "▁");
            root.putNull("pre_tokenizer");
        } else {
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode list = pre.putArray("pretokenizers");
            ObjectNode split = list.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", Regexes.ofPreName(p.preName()));
            split.put("behavior", "Isolated").put("invert", false);
            list.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        }
        root.set("post_processor", postProcessor(p));
        if (spm) {
            ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
            ArrayNode list = dec.putArray("decoders");
            ObjectNode rep = list.addObject().put("type", "Replace");
            rep.putObject("pattern").put("String", "▁");
            rep.put("content", " ");
            list.addObject().put("type", "ByteFallback");
            list.addObject().put("type", "Fuse");
            if (p.addSpacePrefix()) list.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        } else {
            root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        }
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        if (p.unk() >= 0) model.put("unk_token", piece(p, p.unk()));
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", spm);
        model.put("byte_fallback", spm);
        model.put("ignore_merges", p.ignoreMerges());
        ObjectNode vocab = model.putObject("vocab");
        String[] pieces = p.vocab().pieces;
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] != null && !vocab.has(pieces[i])) vocab.put(pieces[i], i);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : spm ? mergesFromScores(p.vocab()) : GgufExport.mergesInOrder(t)) merges.addArray().add(m[0]).add(m[1]);
        return root;
    }

    /** TemplateProcessing with the configured BOS/EOS, or ByteLevel (nothing added) when there are none. */
    private static ObjectNode postProcessor(PipelineTokenizer.Parts p) {
        if (p.prefix().length == 0 && p.suffix().length == 0) {
            return obj().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        }
        ObjectNode pp = obj().put("type", "TemplateProcessing");
        ObjectNode specials = obj();
        for (String seq : List.of("single", "pair")) {
            ArrayNode items = pp.putArray(seq);
            for (String part : seq.equals("single") ? List.of("A") : List.of("A", "B")) {
                int typeId = part.equals("A") ? 0 : 1;
                for (int id : p.prefix()) special(items, specials, p.vocab().pieces[id], id, typeId);
                items.addObject().putObject("Sequence").put("id", part).put("type_id", typeId);
                for (int id : p.suffix()) special(items, specials, p.vocab().pieces[id], id, typeId);
            }
        }
        pp.set("special_tokens", specials);
        return pp;
    }

    private static void special(ArrayNode items, ObjectNode specials, String content, int id, int typeId) {
        items.addObject().putObject("SpecialToken").put("id", content).put("type_id", typeId);
        ObjectNode s = specials.putObject(content).put("id", content);
        s.putArray("ids").add(id);
        s.putArray("tokens").add(content);
    }

    /**
     * Merges for a scored SentencePiece vocabulary, like transformers' SentencePieceExtractor: every
     * split of a normal piece into two pieces, ordered by the piece's score (highest first), then by
     * the ids of the two halves.
     */
    static List<String[]> mergesFromScores(Vocab vocab) {
        record Merge(String left, String right, float score, int leftId, int rightId) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            String piece = vocab.pieces[id];
            TokenType type = vocab.types[id];
            if (piece == null || !(type == TokenType.NORMAL || type == TokenType.USER_DEFINED)) continue;
            for (int i = piece.offsetByCodePoints(0, 1); i < piece.length(); i = piece.offsetByCodePoints(i, 1)) {
                int l = vocab.id(piece.substring(0, i)), r = vocab.id(piece.substring(i));
                if (l >= 0 && r >= 0) merges.add(new Merge(piece.substring(0, i), piece.substring(i), vocab.scores[id], l, r));
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score).thenComparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
        List<String[]> out = new ArrayList<>(merges.size());
        for (Merge m : merges) out.add(new String[] {m.left, m.right});
        return out;
    }
}
