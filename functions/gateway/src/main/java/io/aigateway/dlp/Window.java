package io.aigateway.dlp;

/**
 * The text a scan reads, and whether more may follow. Detectors read through {@link #at(int)}: a read at or past the
 * end of text that may still grow sets {@link #needMore}, and the candidate being decided is then left for the next
 * chunk. Because every read goes through here, a streamed scan decides each candidate on exactly the characters a
 * whole-text scan would: the equivalence of the two does not rest on each detector getting its bounds right.
 */
final class Window implements CharSequence {
    final char[] a;
    final int limit;
    final boolean atEnd;
    boolean needMore;

    // the last hit, set by a detector and read by its engine (a window is used by one scan on one thread)
    BuiltinType hitType;
    Confidence hitConfidence;
    final int[] groupLen = new int[8];
    final int[] groupEnd = new int[8];

    Window(char[] a, int limit, boolean atEnd) {
        this.a = a;
        this.limit = limit;
        this.atEnd = atEnd;
    }

    static Window of(CharSequence text) {
        char[] a = new char[text.length()];
        if (text instanceof String s) {
            s.getChars(0, a.length, a, 0);
        } else if (text instanceof StringBuilder b) {
            b.getChars(0, a.length, a, 0);
        } else {
            for (int i = 0; i < a.length; i++) {
                a[i] = text.charAt(i);
            }
        }
        return new Window(a, a.length, true);
    }

    char at(int i) {
        if (i >= limit) {
            if (!atEnd) {
                needMore = true;
            }
            return Chars.NONE;
        }
        return i < 0 ? Chars.NONE : a[i];
    }

    /** Whether {@code s} occurs at {@code i}; reads no further than the first mismatch. */
    boolean startsWith(int i, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (at(i + k) != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    int hit(BuiltinType type, Confidence confidence, int end) {
        hitType = type;
        hitConfidence = confidence;
        return end;
    }

    // CharSequence over the chars already read (validators take a CharSequence); no bounds beyond the array's own
    @Override
    public int length() {
        return limit;
    }

    @Override
    public char charAt(int index) {
        return a[index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new String(a, start, end - start);
    }

    @Override
    public String toString() {
        return "Window[" + limit + " chars" + (atEnd ? "" : ", more to come") + "]";
    }
}
