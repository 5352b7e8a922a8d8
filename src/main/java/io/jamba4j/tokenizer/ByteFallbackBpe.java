package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A SentencePiece-style BPE vocabulary with byte fallback, in Hugging Face's {@code tokenizer.json} form: pieces
 * 0–2 are {@code <unk> <s> </s>}, 3–258 the bytes {@code <0x00>..<0xFF>}, then characters and merged pieces; spaces
 * become ▁ (no dummy leading space, like Jamba's tokenizer); decoding maps ▁ back to spaces and fuses byte pieces.
 * Used by the generated vocabularies of random models and by the tokenizer trainer.
 *
 * @param pieces the vocabulary in id order
 * @param merges the merge rules in rank order, each {left, right}
 */
public record ByteFallbackBpe(List<String> pieces, List<String[]> merges) {
    public ObjectNode tokenizerJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 3; i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", pieces.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Replace");
        norm.putObject("pattern").put("String", " ");
        norm.put("content", "▁");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens").putObject("<s>");
        st.put("id", "<s>");
        st.putArray("ids").add(1);
        st.putArray("tokens").add("<s>");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Sequence");
        ArrayNode ds = dec.putArray("decoders");
        ObjectNode rep = ds.addObject();
        rep.put("type", "Replace");
        rep.putObject("pattern").put("String", "▁");
        rep.put("content", " ");
        ds.addObject().put("type", "ByteFallback");
        ds.addObject().put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < pieces.size(); i++) vocab.put(pieces.get(i), i);
        ArrayNode mg = model.putArray("merges");
        for (String[] m : merges) mg.addArray().add(m[0]).add(m[1]);
        return root;
    }

    /** Writes tokenizer.json + tokenizer_config.json + special_tokens_map.json into {@code dir}. */
    public Path write(Path dir) throws IOException {
        return writeJson(tokenizerJson(), dir);
    }

    static Path writeJson(ObjectNode tokenizerJson, Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper om = new ObjectMapper();
        Files.writeString(dir.resolve("tokenizer.json"), om.writeValueAsString(tokenizerJson));
        ObjectNode cfg = om.createObjectNode();
        cfg.put("add_bos_token", true);
        cfg.put("add_eos_token", false);
        cfg.put("bos_token", "<s>");
        cfg.put("eos_token", "</s>");
        cfg.put("unk_token", "<unk>");
        cfg.putNull("pad_token");
        cfg.put("clean_up_tokenization_spaces", false);
        cfg.put("model_max_length", 1_000_000_000);
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast"); // not LlamaTokenizer: its legacy=false emulation in transformers.js would add a dummy prefix
        Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toPrettyString());
        ObjectNode map = om.createObjectNode();
        map.put("bos_token", "<s>");
        map.put("eos_token", "</s>");
        map.put("unk_token", "<unk>");
        Files.writeString(dir.resolve("special_tokens_map.json"), map.toPrettyString());
        return dir;
    }
}
