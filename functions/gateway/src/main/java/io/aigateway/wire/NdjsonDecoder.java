package io.aigateway.wire;

import java.util.Arrays;

/**
 * Newline-delimited JSON ({@code application/x-ndjson}, {@code application/stream+json}: Cohere's v1 streams), cut
 * into lines incrementally from byte chunks split anywhere. Lines end with LF (a CR before it is dropped); blank
 * lines are skipped; a last line without LF is read by {@link #finish()}. A line longer than {@code maxLineBytes}
 * is skipped and counted rather than buffered. The line is handed over as a view, valid during the callback only.
 * One thread uses an instance.
 */
public final class NdjsonDecoder {
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    /** Receives each non-blank line, without its line end. */
    @FunctionalInterface
    public interface LineListener {
        void line(byte[] buffer, int offset, int length);
    }

    private final int maxLineBytes;
    private final LineListener listener;
    private byte[] line = new byte[256];
    private int lineLength;
    private long lineBytes;
    private long oversizedLines;
    private boolean finished;

    public NdjsonDecoder(LineListener listener) {
        this(DEFAULT_MAX_LINE_BYTES, listener);
    }

    public NdjsonDecoder(int maxLineBytes, LineListener listener) {
        this.maxLineBytes = maxLineBytes;
        this.listener = listener;
    }

    public void feed(byte[] bytes, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("fed after finish()");
        }
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int eol = ByteScan.indexOf(bytes, i, end, (byte) '\n');
            if (eol < 0) {
                append(bytes, i, end - i);
                return;
            }
            if (lineBytes == 0) {
                emit(bytes, i, eol, eol - i);
            } else {
                append(bytes, i, eol - i);
                emit(line, 0, lineLength, lineBytes);
            }
            i = eol + 1;
        }
    }

    /** The body ended normally: a last line without its LF is read too. */
    public void finish() {
        if (!finished) {
            finished = true;
            if (lineBytes > 0) {
                emit(line, 0, lineLength, lineBytes);
            }
        }
    }

    public long oversizedLines() {
        return oversizedLines;
    }

    private void append(byte[] bytes, int from, int n) {
        lineBytes += n;
        if (lineBytes > maxLineBytes) {
            return;
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max(lineLength + n, line.length * 2L)));
        }
        System.arraycopy(bytes, from, line, lineLength, n);
        lineLength += n;
    }

    private void emit(byte[] bytes, int from, int to, long length) {
        lineLength = 0;
        lineBytes = 0;
        if (length > maxLineBytes) {
            oversizedLines++;
            return;
        }
        while (from < to && isSpace(bytes[from])) {
            from++;
        }
        while (to > from && isSpace(bytes[to - 1])) {
            to--; // the CR of a CRLF, trailing blanks
        }
        if (from < to) {
            listener.line(bytes, from, to - from);
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }
}
