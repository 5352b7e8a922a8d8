package io.jamba4j.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Loads a Hugging Face tokenizer.json (+ tokenizer_config.json, special_tokens_map.json). */
final class HfLoader {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private HfLoader() {}

    static PipelineTokenizer load(Path fileOrDir) {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("tokenizer.json") : fileOrDir;
        if (!Files.isRegularFile(file)) throw new TokenizerException("tokenizer.json not found: " + file);
        Path dir = file.toAbsolutePath().getParent();
        JsonNode root = read(file);
        JsonNode config = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode specialMap = readOptional(dir.resolve("special_tokens_map.json"));
        return build(root, config, specialMap, file.toString());
    }

    static JsonNode read(Path file) {
        try {
            JsonNode node = MAPPER.readTree(file.toFile());
            if (node == null || !node.isObject()) throw new TokenizerException(file + ": expected a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static JsonNode readOptional(Path file) {
        return Files.isRegularFile(file) ? read(file) : null;
    }

    static PipelineTokenizer build(JsonNode root, JsonNode config, JsonNode specialMap, String where) {
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw Json.bad(where, "model", "must be an object", model);
        String type = model.has("type") ? Json.text(model, "type", where) : (model.has("merges") ? "BPE" : null);
        if (!"BPE".equals(type)) {
            throw new TokenizerException(where + ": unsupported model type '" + type + "' (supported: BPE)");
        }
        String m = where + " model";
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String v = Json.optText(model, affix, m);
            if (v != null && !v.isEmpty()) throw new TokenizerException(m + ": unsupported " + affix + " '" + v + "'");
        }

        // vocabulary: model.vocab plus added_tokens
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) throw Json.bad(m, "vocab", "must be an object", vocabNode);
        Map<String, Integer> pieceIds = new HashMap<>();
        int size = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().intValue() < 0) {
                throw Json.bad(m, "vocab." + e.getKey(), "must be a non-negative integer id", e.getValue());
            }
            pieceIds.put(e.getKey(), e.getValue().intValue());
            size = Math.max(size, e.getValue().intValue() + 1);
        }
        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        JsonNode addedNode = root.get("added_tokens");
        if (addedNode != null && !addedNode.isNull()) {
            if (!addedNode.isArray()) throw Json.bad(where, "added_tokens", "must be an array", addedNode);
            for (JsonNode t : addedNode) {
                String at = where + " added_tokens";
                int id = Json.integer(t, "id", -1, at);
                if (id < 0) throw Json.bad(at, "id", "must be a non-negative integer", t.get("id"));
                boolean special = Json.bool(t, "special", false, at);
                added.add(new AddedVocabulary.AddedToken(id, Json.text(t, "content", at), Json.bool(t, "single_word", false, at),
                        Json.bool(t, "lstrip", false, at), Json.bool(t, "rstrip", false, at),
                        Json.bool(t, "normalized", !special, at), special));
                size = Math.max(size, id + 1);
            }
        }
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        Arrays.fill(types, TokenType.UNUSED);
        boolean byteFallback = Json.bool(model, "byte_fallback", false, m);
        for (Map.Entry<String, Integer> e : pieceIds.entrySet()) {
            pieces[e.getValue()] = e.getKey();
            types[e.getValue()] = byteFallback && Vocab.pieceByte(e.getKey()) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        String unkToken = Json.optText(model, "unk_token", m);
        for (AddedVocabulary.AddedToken t : added) {
            pieces[t.id()] = t.content();
            types[t.id()] = t.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        Vocab vocab = new Vocab(pieces, types, null);
        int unk = unkToken == null ? -1 : vocab.id(unkToken);
        if (unk >= 0) types[unk] = TokenType.UNKNOWN;

        List<String[]> merges = new ArrayList<>();
        JsonNode mergesNode = model.get("merges");
        if (mergesNode != null && !mergesNode.isNull()) {
            if (!mergesNode.isArray()) throw Json.bad(m, "merges", "must be an array", mergesNode);
            for (JsonNode mg : mergesNode) {
                if (mg.isTextual()) {
                    String s = mg.asText();
                    int sp = s.indexOf(' ', 1);
                    if (sp < 0) throw Json.bad(m, "merges", "entries must be \"left right\"", mg);
                    merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
                } else if (mg.isArray() && mg.size() == 2 && mg.get(0).isTextual() && mg.get(1).isTextual()) {
                    merges.add(new String[] {mg.get(0).asText(), mg.get(1).asText()});
                } else {
                    throw Json.bad(m, "merges", "entries must be \"left right\" or [left, right]", mg);
                }
            }
        }
        boolean ignoreMerges = Json.bool(model, "ignore_merges", false, m);
        BpeModel bpe = new BpeModel(vocab, BpeModel.mergeTable(vocab, merges), unk, byteFallback,
                Json.bool(model, "fuse_unk", false, m), ignoreMerges);

        var normalizer = Normalizers.parse(root.get("normalizer"), where);
        var preTokenizer = PreTokenizers.parse(root.get("pre_tokenizer"), where);
        var decoder = Decoders.parse(root.get("decoder"), where);

        // special ids: tokenizer_config.json, then special_tokens_map.json, then the model
        int bos = specialId(vocab, "bos_token", config, specialMap);
        int eos = specialId(vocab, "eos_token", config, specialMap);
        int pad = specialId(vocab, "pad_token", config, specialMap);
        int unkCfg = specialId(vocab, "unk_token", config, specialMap);
        if (unkCfg >= 0) unk = unkCfg;

        // BOS/EOS on encode: the post-processor, overridden by add_bos_token/add_eos_token
        IntList prefix = new IntList(), suffix = new IntList();
        postProcessor(root.get("post_processor"), vocab, prefix, suffix, where);
        int[] pre = prefix.toArray(), suf = suffix.toArray();
        if (bos < 0 && pre.length == 1) bos = pre[0];
        if (eos < 0 && suf.length == 1) eos = suf[0];
        String cfgFile = where.replaceAll("tokenizer\\.json$", "tokenizer_config.json");
        if (config != null && config.has("add_bos_token") && !config.get("add_bos_token").isNull()) {
            pre = Json.bool(config, "add_bos_token", false, cfgFile) && bos >= 0 ? new int[] {bos} : new int[0];
        }
        if (config != null && config.has("add_eos_token") && !config.get("add_eos_token").isNull()) {
            suf = Json.bool(config, "add_eos_token", false, cfgFile) && eos >= 0 ? new int[] {eos} : new int[0];
        }

        boolean byteLevel = !findType(root.get("pre_tokenizer"), "ByteLevel").isEmpty()
                || !findType(root.get("decoder"), "ByteLevel").isEmpty();
        return new PipelineTokenizer(new PipelineTokenizer.Parts(vocab, normalizer, preTokenizer, bpe, decoder,
                new AddedVocabulary(added), pre, suf, bos, eos, pad, unk,
                byteLevel ? PipelineTokenizer.Kind.BYTE_LEVEL : PipelineTokenizer.Kind.SPM,
                addsSpacePrefix(root), byteLevel ? preName(root) : "default", ignoreMerges, chatTemplate(config),
                new PipelineTokenizer.HfSource(root, config, specialMap)));
    }

    /** A special token named in the configs, as an id (-1 if absent or not in the vocabulary). */
    private static int specialId(Vocab vocab, String key, JsonNode config, JsonNode specialMap) {
        for (JsonNode src : new JsonNode[] {config, specialMap}) {
            if (src == null) continue;
            JsonNode v = src.get(key);
            if (v == null || v.isNull()) continue;
            String content = v.isTextual() ? v.asText() : v.path("content").asText(null);
            if (content != null) return vocab.id(content);
        }
        return -1;
    }

    private static void postProcessor(JsonNode node, Vocab vocab, IntList prefix, IntList suffix, String where) {
        if (node == null || node.isNull()) return;
        String type = Json.text(node, "type", where + " post_processor");
        String at = where + " post_processor " + type;
        switch (type) {
            case "ByteLevel" -> {}
            case "Sequence" -> {
                for (JsonNode n : Json.array(node, "processors", at)) postProcessor(n, vocab, prefix, suffix, where);
            }
            case "TemplateProcessing" -> {
                JsonNode specials = node.path("special_tokens");
                boolean afterSequence = false;
                for (JsonNode item : Json.array(node, "single", at)) {
                    if (item.has("Sequence")) {
                        afterSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = Json.text(item.get("SpecialToken"), "id", at + " single SpecialToken");
                        JsonNode ids = specials.path(name).path("ids");
                        if (!ids.isArray()) throw Json.bad(at, "special_tokens." + name + ".ids", "must be an array", ids.isMissingNode() ? null : ids);
                        for (JsonNode id : ids) (afterSequence ? suffix : prefix).add(id.intValue());
                    } else {
                        throw Json.bad(at, "single", "items must be SpecialToken or Sequence", item);
                    }
                }
            }
            case "BertProcessing", "RobertaProcessing" -> {
                prefix.add(Json.array(node, "cls", at).get(1).intValue());
                suffix.add(Json.array(node, "sep", at).get(1).intValue());
            }
            default -> throw new TokenizerException(where + ": unsupported post_processor type '" + type + "'");
        }
    }

    /** All objects with the given "type" in a (nested) component description. */
    static List<JsonNode> findType(JsonNode node, String type) {
        List<JsonNode> out = new ArrayList<>();
        if (node == null) return out;
        if (node.isObject() && type.equals(node.path("type").asText())) out.add(node);
        for (JsonNode child : node) out.addAll(findType(child, type));
        return out;
    }

    /** True if text segments get a leading "▁" (Prepend normalizer or Metaspace with a prepend scheme). */
    private static boolean addsSpacePrefix(JsonNode root) {
        for (JsonNode n : findType(root.get("normalizer"), "Prepend")) {
            if ("▁".equals(n.path("prepend").asText())) return true;
        }
        for (JsonNode n : findType(root.get("pre_tokenizer"), "Metaspace")) {
            String scheme = n.path("prepend_scheme").asText(null);
            if (scheme != null ? !scheme.equals("never") : n.path("add_prefix_space").asBoolean(true)) return true;
        }
        return false;
    }

    /** llama.cpp pre-tokenizer name of a byte-level tokenizer.json, or null when no known one matches. */
    private static String preName(JsonNode root) {
        for (JsonNode split : findType(root.get("pre_tokenizer"), "Split")) {
            String name = Regexes.preName(split.path("pattern").path("Regex").asText(""));
            if (name != null) return name;
        }
        for (JsonNode bl : findType(root.get("pre_tokenizer"), "ByteLevel")) {
            if (bl.path("use_regex").asBoolean(true)) return "gpt-2";
        }
        return null;
    }

    private static String chatTemplate(JsonNode config) {
        if (config == null) return null;
        JsonNode t = config.get("chat_template");
        if (t == null || t.isNull()) return null;
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            for (JsonNode named : t) if ("default".equals(named.path("name").asText())) return named.path("template").asText();
            if (!t.isEmpty()) return t.get(0).path("template").asText(null);
        }
        return null;
    }
}
