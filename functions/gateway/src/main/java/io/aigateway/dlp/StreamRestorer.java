package io.aigateway.dlp;

/**
 * Restores placeholders in a streamed answer, for one stream (not thread-safe). A placeholder may arrive split
 * across chunks, so a chunk's tail that could still become one is held back: at most the longest placeholder less
 * one char, and only while it is a prefix of a known placeholder.
 */
public final class StreamRestorer {
    private final Restorer restorer;
    private final StringBuilder pending = new StringBuilder();

    StreamRestorer(Restorer restorer) {
        this.restorer = restorer;
    }

    /** Text ready to emit after this chunk (possibly empty). */
    public String feed(CharSequence chunk) {
        pending.append(chunk);
        int hold = heldFrom();
        StringBuilder out = new StringBuilder(pending.length());
        restorer.restoreInto(pending, 0, hold, out);
        pending.delete(0, hold);
        return out.toString();
    }

    /** The rest, at the end of the stream. */
    public String finish() {
        StringBuilder out = new StringBuilder(pending.length());
        restorer.restoreInto(pending, 0, pending.length(), out);
        pending.setLength(0);
        return out.toString();
    }

    /** Where the tail that may still grow into a placeholder starts, or the pending length. */
    private int heldFrom() {
        int n = pending.length();
        int longest = restorer.map().longestPlaceholder();
        for (int i = Math.max(0, n - longest + 1); i < n; i++) {
            if (pending.charAt(i) == '[' && prefixOfPlaceholder(i, n)) {
                return i;
            }
        }
        return n;
    }

    private boolean prefixOfPlaceholder(int from, int to) {
        String tail = pending.substring(from, to);
        for (String p : restorer.map().placeholders()) {
            if (p.length() > tail.length() && p.startsWith(tail)) {
                return true;
            }
        }
        return false;
    }
}
