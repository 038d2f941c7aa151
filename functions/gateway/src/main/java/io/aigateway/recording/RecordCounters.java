package io.aigateway.recording;

/**
 * What became of this process's request records, for /api/v1/stats.
 *
 * @param sink          "stdout" (Lambda: the log-ingest function stores them) or "journal" (local, drained here)
 * @param lost          records that could not be written at all: the one way a record is ever lost, always counted
 * @param parked        records the ingest could not store, kept as PARKED# items for an operator
 * @param ingested      logs stored by this process's ingest
 * @param duplicates    records skipped because they were already stored (re-delivered or replayed batches)
 * @param backlogBytes  journal bytes waiting to be ingested
 * @param retries       ingest attempts that failed and were tried again (store unreachable, throttled)
 */
public record RecordCounters(String sink, long lost, long parked, long ingested, long duplicates, long backlogBytes,
                             long retries) {
}
