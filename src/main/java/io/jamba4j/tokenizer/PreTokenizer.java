package io.jamba4j.tokenizer;

import java.util.List;

/** Splits (and possibly rewrites) normalized text into words for the model. */
interface PreTokenizer {
    /**
     * @param words input words (the whole text segment at first)
     * @param first the segment starts the text (for Metaspace {@code prepend_scheme: "first"})
     * @return the words after this step
     */
    List<String> apply(List<String> words, boolean first);
}
