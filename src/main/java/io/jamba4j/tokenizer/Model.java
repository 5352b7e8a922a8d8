package io.jamba4j.tokenizer;

/** Turns one pre-tokenized word into ids. */
interface Model {
    void encodeWord(String word, IntList out);
}
