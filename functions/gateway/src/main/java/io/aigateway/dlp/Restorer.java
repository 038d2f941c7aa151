package io.aigateway.dlp;

/** Puts the original values back where an answer repeats placeholders of a {@link PlaceholderMap}. Thread-safe. */
public final class Restorer {
    private final PlaceholderMap map;

    public Restorer(PlaceholderMap map) {
        this.map = map;
    }

    public String restore(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length());
        restoreInto(text, 0, text.length(), out);
        return out.toString();
    }

    /** A restorer for one streamed answer. */
    public StreamRestorer stream() {
        return new StreamRestorer(this);
    }

    PlaceholderMap map() {
        return map;
    }

    /** Restores {@code [from, to)} of {@code text} into {@code out}. */
    void restoreInto(CharSequence text, int from, int to, StringBuilder out) {
        int longest = map.longestPlaceholder();
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            if (c == '[' && longest > 0) {
                int close = -1;
                for (int k = i + 1; k < Math.min(to, i + longest); k++) {
                    char d = text.charAt(k);
                    if (d == ']') {
                        close = k;
                        break;
                    }
                    if (d == '[') {
                        break;
                    }
                }
                if (close > 0) {
                    String original = map.get(text.subSequence(i, close + 1).toString());
                    if (original != null) {
                        out.append(original);
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
    }
}
