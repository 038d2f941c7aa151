package io.aigateway.cache;

import io.aigateway.wire.AwsEventStreamDecoder;
import io.aigateway.wire.SseDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * A copy of a response body taken while it passes to the client. {@link #append} only copies bytes; the work
 * ({@link #digest}: gzip for the table item, terminal-event scan for a stream) runs after the transport flushed
 * them, so the client is never held back, and by the end of the body the entry is ready (or known not to fit).
 * One thread uses an instance (the one writing the body).
 */
final class ResponseCapture {
    /** Beyond this many raw bytes the body is not cached (it would not compress into one item anyway). */
    static final int MAX_RAW = 8 * 1024 * 1024;

    /** Completion of a stream (SSE or AWS event stream), fed by its decoder; null for any other body. */
    private final StreamCompletion completion;
    private final SseDecoder sse;
    private final AwsEventStreamDecoder eventStream;
    private byte[] raw;
    private int size;
    private int digested;
    private ByteArrayOutputStream compressed;
    private GZIPOutputStream gzip;
    private boolean tooLarge;
    private boolean closed;

    /** What a finished capture holds. {@code tooLarge}: nothing else is set. */
    record Result(byte[] body, byte[] gzipped, boolean tooLarge, boolean complete) {
    }

    ResponseCapture(String contentType, long expectedLength) {
        String ct = contentType == null ? "" : contentType.toLowerCase();
        boolean isSse = ct.startsWith("text/event-stream");
        boolean isEventStream = ct.startsWith("application/vnd.amazon.eventstream");
        this.completion = isSse || isEventStream ? new StreamCompletion() : null;
        this.sse = isSse ? new SseDecoder(completion::event) : null;
        this.eventStream = isEventStream ? new AwsEventStreamDecoder(completion::message) : null;
        if (expectedLength > MAX_RAW) {
            this.tooLarge = true; // known from Content-Length: nothing is copied
            return;
        }
        int initial = expectedLength > 0 ? (int) expectedLength : 16 * 1024;
        this.raw = new byte[Math.max(256, initial)];
        this.compressed = new ByteArrayOutputStream(Math.max(256, initial / 4));
        try {
            this.gzip = new GZIPOutputStream(compressed, 8192);
        } catch (IOException e) {
            throw new IllegalStateException(e); // writing to memory does not fail
        }
    }

    void append(byte[] bytes, int offset, int length) {
        if (tooLarge || closed) {
            return;
        }
        if ((long) size + length > MAX_RAW) {
            overflow();
            return;
        }
        if (size + length > raw.length) {
            raw = Arrays.copyOf(raw, (int) Math.min(MAX_RAW, Math.max((long) size + length, raw.length * 2L)));
        }
        System.arraycopy(bytes, offset, raw, size, length);
        size += length;
    }

    /** Compresses and scans what arrived since the last call. */
    void digest() {
        if (tooLarge || closed || digested == size) {
            return;
        }
        try {
            gzip.write(raw, digested, size - digested);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (sse != null) {
            sse.feed(raw, digested, size - digested);
        } else if (eventStream != null) {
            eventStream.feed(raw, digested, size - digested);
        }
        digested = size;
        if (compressed.size() > CacheStore.MAX_COMPRESSED_BODY) {
            overflow();
        }
    }

    boolean tooLarge() {
        return tooLarge;
    }

    /** The body ended cleanly: finishes the gzip form and the completeness check; null after {@link #discard}. */
    Result finish() {
        if (closed && !tooLarge) {
            return null; // discarded earlier
        }
        digest();
        if (tooLarge) {
            return new Result(null, null, true, false);
        }
        try {
            gzip.finish();
            gzip.close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        closed = true;
        if (compressed.size() > CacheStore.MAX_COMPRESSED_BODY) {
            tooLarge = true;
            return new Result(null, null, true, false);
        }
        boolean complete = true;
        if (sse != null) {
            sse.finish(); // a last event without its closing blank line counts ("data: [DONE]" at the very end)
            complete = completion.complete();
        } else if (eventStream != null) {
            // a body cut inside a message, or one that stopped decoding, is not a whole answer
            complete = completion.complete() && eventStream.atMessageBoundary();
        }
        return new Result(size == raw.length ? raw : Arrays.copyOf(raw, size), compressed.toByteArray(), false, complete);
    }

    /** The body did not end cleanly (or is not wanted): frees everything. */
    void discard() {
        if (!closed) {
            closed = true;
            closeGzip();
        }
        raw = null;
        compressed = null;
    }

    private void overflow() {
        tooLarge = true;
        closeGzip();
        raw = null;
        compressed = null;
    }

    private void closeGzip() {
        if (gzip == null) {
            return;
        }
        try {
            gzip.close(); // frees the native deflater
        } catch (IOException ignored) {
            // in memory
        }
    }
}
