package io.aigateway.dlp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Replaces findings with placeholders such as {@code [EMAIL_1]} or {@code [CREDIT_CARD_2]}. Use one redactor per
 * request: across all the texts it redacts, the same value of the same type always gets the same placeholder, so a
 * model sees that two mentions are one value, and {@link #placeholders()} maps every placeholder back.
 * Not thread-safe.
 */
public final class Redactor {
    /** The rewritten text, and how many spans were replaced. */
    public record Redaction(String text, int replaced) {
        @Override
        public String toString() {
            return "Redaction[" + text.length() + " chars, " + replaced + " replaced]";
        }
    }

    private final Map<String, String> placeholderByKey = new HashMap<>();
    private final Map<String, Integer> countByType = new HashMap<>();
    private final Map<String, String> originals = new LinkedHashMap<>();

    /**
     * Redacts {@code findings} (offsets into {@code text}) from {@code text}. Where findings overlap, the one that
     * starts first wins (the longer one at the same start), and the others are left out.
     */
    public Redaction redact(CharSequence text, List<Finding> findings) {
        List<Finding> sorted = new ArrayList<>(findings);
        sorted.sort(Scanner.ORDER);
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        int replaced = 0;
        for (Finding f : sorted) {
            if (f.start() < at) {
                continue;
            }
            if (f.end() > text.length()) {
                throw new IllegalArgumentException("finding " + f + " is outside the text (" + text.length() + ")");
            }
            out.append(text, at, f.start());
            out.append(placeholder(f.type(), f.valueIn(text)));
            at = f.end();
            replaced++;
        }
        out.append(text, at, text.length());
        return new Redaction(out.toString(), replaced);
    }

    /** The placeholder for a value of a type, allotting the next number on first sight. */
    public String placeholder(String type, String value) {
        String key = type + '\u0000' + value;
        String p = placeholderByKey.get(key);
        if (p == null) {
            int n = countByType.merge(type, 1, Integer::sum);
            p = "[" + label(type) + "_" + n + "]";
            placeholderByKey.put(key, p);
            originals.put(p, value);
        }
        return p;
    }

    /** Every placeholder handed out so far and its value (a snapshot). */
    public PlaceholderMap placeholders() {
        return new PlaceholderMap(originals);
    }

    private static String label(String type) {
        StringBuilder b = new StringBuilder(type.length());
        for (char c : type.toUpperCase(Locale.ROOT).toCharArray()) {
            b.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "Redactor[" + originals.size() + " placeholders]";
    }
}
