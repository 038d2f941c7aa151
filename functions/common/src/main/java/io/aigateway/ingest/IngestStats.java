package io.aigateway.ingest;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what the ingest did in this process (the local runtime shows them at /api/v1/stats). */
public final class IngestStats {
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder bodyParts = new LongAdder();
    private final LongAdder parked = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder lost = new LongAdder();

    void applied(int logs, int dup, int parts, int parkedRecords) {
        stored.add(logs);
        duplicates.add(dup);
        bodyParts.add(parts);
        parked.add(parkedRecords);
        batches.increment();
    }

    void duplicates(int records) {
        duplicates.add(records);
        batches.increment();
    }

    /** A batch attempt failed and will be tried again (store unreachable, throttled). */
    public void failedAttempt() {
        failedAttempts.increment();
    }

    /** Records that could not even be journaled: the only way a record is ever lost, and it is counted. */
    public void lost(long records) {
        lost.add(records);
    }

    public long logsStored() {
        return stored.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long bodyParts() {
        return bodyParts.sum();
    }

    public long parked() {
        return parked.sum();
    }

    public long batches() {
        return batches.sum();
    }

    public long failedAttempts() {
        return failedAttempts.sum();
    }

    public long lost() {
        return lost.sum();
    }
}
