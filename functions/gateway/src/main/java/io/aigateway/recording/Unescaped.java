package io.aigateway.recording;

/**
 * JSON text with its string escapes decoded ({@code \n}, {@code \"}, {@code \u00e9}, ...), and where each decoded
 * char came from: a detector reads what a JSON string means (a card number after {@code \n}, a Japanese keyword
 * sent as {@code \u30de...}), and what it finds is cut out of the raw text. Truncated text (a 4 KB body head) is
 * fine: an escape cut short is kept as it is.
 */
final class Unescaped {
    private final String text;
    /** Raw offset of each decoded char, plus the raw length at the end; null when nothing was escaped. */
    private final int[] raw;

    private Unescaped(String text, int[] raw) {
        this.text = text;
        this.raw = raw;
    }

    static Unescaped of(String json) {
        int n = json.length();
        if (json.indexOf('\\') < 0) {
            return new Unescaped(json, null);
        }
        StringBuilder b = new StringBuilder(n);
        int[] map = new int[n + 1];
        int i = 0;
        while (i < n) {
            char c = json.charAt(i);
            int from = i;
            char decoded = c;
            i++;
            if (c == '\\' && i < n) {
                char d = json.charAt(i);
                switch (d) {
                    case 'n' -> { decoded = '\n'; i++; }
                    case 't' -> { decoded = '\t'; i++; }
                    case 'r' -> { decoded = '\r'; i++; }
                    case 'b' -> { decoded = '\b'; i++; }
                    case 'f' -> { decoded = '\f'; i++; }
                    case '"', '\\', '/' -> { decoded = d; i++; }
                    case 'u' -> {
                        int code = i + 5 <= n ? hex(json, i + 1, i + 5) : -1;
                        if (code >= 0) {
                            decoded = (char) code;
                            i += 5;
                        }
                    }
                    default -> { }
                }
            }
            map[b.length()] = from;
            b.append(decoded);
        }
        map[b.length()] = n;
        return new Unescaped(b.toString(), map);
    }

    String text() {
        return text;
    }

    /** Raw offset of decoded offset {@code k} (0..length). */
    int raw(int k) {
        return raw == null ? k : raw[k];
    }

    private static int hex(String s, int from, int to) {
        int v = 0;
        for (int k = from; k < to; k++) {
            int d = Character.digit(s.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }
}
