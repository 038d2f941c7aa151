package io.aigateway.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Moves batches from a {@link RecordJournal} into the {@link Ingest}, one at a time, on a thread of its own. A batch
 * that fails (store down, throttled) is tried again with backoff, up to 5 s apart, for as long as it takes: the
 * journal holds it meanwhile, so an outage delays logs and loses none.
 * <p>
 * While records keep arriving, storing them competes with the requests for the CPU (the embedded DynamoDB Local's
 * SQLite thread and its garbage took about a third of the process under saturation, and showed in the requests'
 * p99): the drain then takes at most {@code busyShare} of its time, and the journal, which is there to hold a
 * backlog, holds the rest until traffic pauses. Past half the journal's capacity it drains at full speed again, so
 * pacing never makes appends wait.
 */
public final class JournalDrain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalDrain.class);

    private final RecordJournal journal;
    private final Store store;
    private final IngestStats stats;
    private final double busyShare;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos = Long.MAX_VALUE;
    private long lastWarning;

    /** Drains at full speed whatever the traffic. */
    public JournalDrain(RecordJournal journal, Ingest ingest) {
        this(journal, ingest, 1.0);
    }

    /** While records are being appended, takes at most {@code busyShare} (0 to 1] of the time for storing them. */
    public JournalDrain(RecordJournal journal, Ingest ingest, double busyShare) {
        this(journal, ingest::apply, ingest.stats(), busyShare);
    }

    /** Where batches go: the {@link Ingest}, or a stand-in in tests of the drain itself. */
    interface Store {
        void apply(String batchId, List<String> lines);
    }

    JournalDrain(RecordJournal journal, Store store, IngestStats stats, double busyShare) {
        if (!(busyShare > 0 && busyShare <= 1)) {
            throw new IllegalArgumentException("busyShare must be in (0, 1]: " + busyShare);
        }
        this.journal = journal;
        this.store = store;
        this.stats = stats;
        this.busyShare = busyShare;
        this.thread = Thread.ofPlatform().name("journal-drain").daemon(true).start(this::run);
    }

    /**
     * With little waiting, the drain lingers this long before taking each batch, so records arriving together are
     * stored together: a batch costs about seven store calls whatever its size, so one record per batch would cost
     * seven calls per record. Logs appear at most this much later; under load batches fill up and nobody waits.
     */
    private static final long LINGER_MILLIS = 100;
    private static final long FULL_BATCH_BYTES = 256 * 1024;
    /** The longest pause between batches while paced, so logs keep appearing under load. */
    private static final long MAX_PACING_NANOS = TimeUnit.SECONDS.toNanos(1);

    private void run() {
        int failures = 0;
        while (true) {
            if (stopping && System.nanoTime() > stopDeadlineNanos) {
                return; // time is up: what is left stays in the journal (a file journal replays it at the next start)
            }
            RecordJournal.Batch batch;
            try {
                if (!stopping && failures == 0 && journal.backlogBytes() < FULL_BATCH_BYTES) {
                    Thread.sleep(LINGER_MILLIS);
                }
                batch = journal.next(0);
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            long appendedBefore = journal.appendedBytes();
            long started = System.nanoTime();
            try {
                store.apply(batch.id(), batch.lines());
                journal.commit(batch);
                failures = 0;
                pace(System.nanoTime() - started, journal.appendedBytes() != appendedBefore);
            } catch (RuntimeException e) {
                failures++;
                stats.failedAttempt();
                long now = System.nanoTime();
                if (now - lastWarning > TimeUnit.SECONDS.toNanos(10)) {
                    lastWarning = now;
                    LOG.warn("request records not stored yet ({} bytes waiting in the journal); retrying", 
                            journal.backlogBytes(), e);
                }
                if (stopping && System.nanoTime() > stopDeadlineNanos) {
                    return;
                }
                try {
                    Thread.sleep(Math.min(5_000, 50L << Math.min(failures, 7)));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** After a batch that took {@code tookNanos}: pauses so that, while traffic is live, storing keeps to its share. */
    private void pace(long tookNanos, boolean recordsArrived) {
        long pause = stopping ? 0 : pauseNanos(busyShare, tookNanos, recordsArrived, journal.backlogBytes(),
                journal.capacityBytes());
        if (pause > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // close() interrupts only when the drain overstays; run() ends next
            }
        }
    }

    /**
     * The pause after a batch that took {@code tookNanos}: none when no record arrived meanwhile (traffic paused: catch
     * up) or when the backlog is past half the capacity; else what keeps storing to {@code busyShare} of the time, at
     * most a second so logs keep appearing under load.
     */
    static long pauseNanos(double busyShare, long tookNanos, boolean recordsArrived, long backlogBytes,
                           long capacityBytes) {
        if (busyShare >= 1 || !recordsArrived || backlogBytes > capacityBytes / 2) {
            return 0;
        }
        return Math.min(MAX_PACING_NANOS, (long) (tookNanos * (1 - busyShare) / busyShare));
    }

    /** Blocks until everything appended so far is stored, or the time is up; true when the journal is empty. */
    public boolean awaitDrained(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (journal.backlogBytes() > 0 && System.currentTimeMillis() < deadline && thread.isAlive()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return journal.backlogBytes() == 0;
    }

    /** Drains what is there (at most {@code timeoutMillis}), then stops. */
    public void close(long timeoutMillis) {
        awaitDrained(timeoutMillis);
        stopDeadlineNanos = System.nanoTime();
        stopping = true;
        try {
            thread.join(Math.max(1_000, Math.min(timeoutMillis, 10_000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        close(10_000);
    }
}
