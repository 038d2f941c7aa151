package io.aigateway.ingest;

import java.util.List;

/**
 * Where the local runtime puts request records on the request path, so that no response waits on a store: a
 * durable file journal under {@code --data}, or a byte-bounded queue with {@code --in-memory}. A
 * {@link JournalDrain} takes batches from it into the same {@link Ingest} the log-ingest Lambda runs.
 */
public interface RecordJournal extends AutoCloseable {
    /**
     * Appends one request's record lines (each ending in a newline). Returns once they are written: for the file
     * journal, once write(2) returned, so a killed process loses nothing. Blocks while the backlog is at its bound
     * (backpressure), up to a limit; returns false if the lines could not be kept (the caller counts them lost).
     */
    boolean append(byte[] lines, int lineCount);

    /** The next batch, or null when none arrived within {@code waitMillis}. The same batch comes again until committed. */
    Batch next(long waitMillis) throws InterruptedException;

    /** The batch is applied: it never comes back. */
    void commit(Batch batch);

    /** Bytes appended and not yet committed. */
    long backlogBytes();

    /** The backlog's bound in bytes, beyond which appends wait. */
    long capacityBytes();

    /** Bytes appended since the journal opened (a counter that only grows): tells a drain whether traffic is live. */
    long appendedBytes();

    /** Lines not yet committed are kept (file) or lost (memory, counted by the caller). */
    @Override
    void close();

    /** A batch of lines with an id that names exactly these lines, so applying it again is recognised. */
    record Batch(String id, List<String> lines, long bytes, long endPosition) {
    }
}
