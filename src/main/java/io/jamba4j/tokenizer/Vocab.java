package io.jamba4j.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Id to piece table with token types and (for SentencePiece vocabularies) scores. */
final class Vocab {
    final String[] pieces;
    final TokenType[] types;
    /** Scores (GGUF / SentencePiece), or null when the vocabulary has none. */
    final float[] scores;
    private final Map<String, Integer> ids;

    Vocab(String[] pieces, TokenType[] types, float[] scores) {
        this.pieces = pieces;
        this.types = types;
        this.scores = scores;
        this.ids = HashMap.newHashMap(pieces.length);
        for (int i = 0; i < pieces.length; i++) {
            // first occurrence wins, like llama.cpp's token_to_id map
            if (pieces[i] != null) ids.putIfAbsent(pieces[i], i);
        }
    }

    int size() {
        return pieces.length;
    }

    /** Id of the piece or -1. */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    Map<String, Integer> idMap() {
        return ids;
    }

    /** The {@code <0xXX>} byte-fallback piece for a byte. */
    static String bytePiece(int b) {
        return String.format("<0x%02X>", b & 0xFF);
    }

    /** The byte of a {@code <0xXX>} piece, or -1 when the piece is not of that form. */
    static int pieceByte(String piece) {
        if (piece == null || piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Ids of the 256 byte pieces (-1 where missing). */
    int[] byteIds() {
        int[] r = new int[256];
        Arrays.fill(r, -1);
        for (int b = 0; b < 256; b++) r[b] = id(bytePiece(b));
        return r;
    }
}
