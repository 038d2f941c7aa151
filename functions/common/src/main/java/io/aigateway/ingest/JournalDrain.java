package io.aigateway.ingest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Moves batches from a {@link RecordJournal} into the {@link Ingest}, one at a time, on a thread of its own. A batch
 * that fails (store down, throttled) is tried again with backoff, up to 5 s apart, for as long as it takes: the
 * journal holds it meanwhile, so an outage delays logs and loses none.
 */
public final class JournalDrain implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalDrain.class);

    private final RecordJournal journal;
    private final Ingest ingest;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos = Long.MAX_VALUE;
    private long lastWarning;

    public JournalDrain(RecordJournal journal, Ingest ingest) {
        this.journal = journal;
        this.ingest = ingest;
        this.thread = Thread.ofPlatform().name("journal-drain").daemon(true).start(this::run);
    }

    /**
     * With little waiting, the drain lingers this long before taking each batch, so records arriving together are
     * stored together: a batch costs about seven store calls whatever its size, so one record per batch would cost
     * seven calls per record. Logs appear at most this much later; under load batches fill up and nobody waits.
     */
    private static final long LINGER_MILLIS = 100;
    private static final long FULL_BATCH_BYTES = 256 * 1024;

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
            try {
                ingest.apply(batch.id(), batch.lines());
                journal.commit(batch);
                failures = 0;
            } catch (RuntimeException e) {
                failures++;
                ingest.stats().failedAttempt();
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
