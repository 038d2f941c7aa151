package io.aigateway.wire;

import java.nio.charset.StandardCharsets;

/** Searches in byte ranges, so wire readers can look at a payload without decoding it to a String first. */
public final class ByteScan {
    private ByteScan() {
    }

    /** The bytes of an ASCII literal, for needles kept in constants. */
    public static byte[] ascii(String literal) {
        return literal.getBytes(StandardCharsets.US_ASCII);
    }

    /** First index of {@code needle} within {@code [from, to)} of {@code haystack}, or -1. */
    public static int indexOf(byte[] haystack, int from, int to, byte[] needle) {
        int last = to - needle.length;
        if (needle.length == 0) {
            return from <= to ? from : -1;
        }
        byte first = needle[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** First index of {@code b} within {@code [from, to)}, or -1. */
    public static int indexOf(byte[] haystack, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (haystack[i] == b) {
                return i;
            }
        }
        return -1;
    }

    public static boolean startsWith(byte[] bytes, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [from, to)} holds exactly {@code other}. */
    public static boolean equals(byte[] bytes, int from, int to, byte[] other) {
        return to - from == other.length && startsWith(bytes, from, to, other);
    }
}
