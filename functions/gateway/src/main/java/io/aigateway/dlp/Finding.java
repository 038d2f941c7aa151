package io.aigateway.dlp;

import java.util.Objects;

/**
 * One detected value: its type ({@code credit_card}, {@code email}, ... or a custom detector's name), the profile that
 * found it and its span {@code [start, end)} in the scanned text (absolute offsets from the start of the stream for a
 * {@link StreamScanner}). The value itself is deliberately not held, so neither {@code toString} nor a serialized
 * finding can leak it into a log; cut it from the text with {@link #valueIn(CharSequence)} where it is needed.
 */
public record Finding(String type, String profile, int start, int end, Confidence confidence) {
    public Finding {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(confidence, "confidence");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    public int length() {
        return end - start;
    }

    /** The detected value, cut from the text the offsets refer to. */
    public String valueIn(CharSequence text) {
        return text.subSequence(start, end).toString();
    }

    Finding shift(int delta) {
        return delta == 0 ? this : new Finding(type, profile, start + delta, end + delta, confidence);
    }

    boolean overlaps(Finding other) {
        return start < other.end && other.start < end;
    }
}
