package io.aigateway.ingest;

import io.aigateway.analytics.Rollups;
import io.aigateway.budget.AlertPublisher;
import io.aigateway.budget.Settlement;
import io.aigateway.budget.Settlements;
import io.aigateway.log.LogStore;
import io.aigateway.log.RequestLog;
import io.aigateway.store.BatchWrites;
import io.aigateway.store.TableSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns a batch of record lines into DynamoDB items: request logs, their body parts, the day index, analytics
 * rollups aggregated over the batch, and feedback that was waiting for its log. The same code runs in the log-ingest
 * Lambda (a CloudWatch Logs subscription batch) and in the local runtime (a journal batch).
 * <p>
 * Delivery is at least once, so applying a batch is idempotent: a marker item {@code INGEST#{batchId}/done} written
 * last makes a re-delivered batch a no-op; logs are only written where no item (nor a deleted log's tombstone) has
 * that key yet; body parts are plain puts of the same bytes; rollups carry markers of their own (see
 * {@link Rollups#add}). A failure that may clear (throttling, an unreachable store) fails the whole batch, to be
 * delivered again; a record DynamoDB rejects as invalid is retried alone and then parked, never dropped, and never
 * takes its neighbours with it.
 * <p>
 * Budget settlements (what a request reserved and used per bucket, {@link Settlement}) are applied once per log id
 * by {@link Settlements}, which also keeps the exhausted set of observe-mode rules and sends threshold alerts.
 */
public final class Ingest {
    private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
    private static final long MARKER_KEEP_SECONDS = 3 * 86_400L;

    private final DynamoDbClient dynamo;
    private final String table;
    private final LogStore logs;
    private final Rollups rollups;
    private final ParkedRecords parked;
    private final IngestStats stats;
    private final Settlements settlements;

    /** @param rollups null when analytics are off */
    public Ingest(DynamoDbClient dynamo, String table, LogStore logs, Rollups rollups, IngestStats stats) {
        this(dynamo, table, logs, rollups, stats, AlertPublisher.NONE);
    }

    /** @param alerts where spend alerts go ({@link AlertPublisher#NONE}: thresholds are not checked) */
    public Ingest(DynamoDbClient dynamo, String table, LogStore logs, Rollups rollups, IngestStats stats,
                  AlertPublisher alerts) {
        this.settlements = new Settlements(dynamo, table, alerts);
        this.dynamo = dynamo;
        this.table = table;
        this.logs = logs;
        this.rollups = rollups;
        this.parked = new ParkedRecords(dynamo, table);
        this.stats = stats;
    }

    public IngestStats stats() {
        return stats;
    }

    /**
     * What one batch did.
     *
     * @param logsStored logs of this batch now stored (a batch is counted once, however often it is delivered)
     * @param duplicates records skipped because this batch had already been applied
     */
    public record Result(int records, int logsStored, int duplicates, int bodyParts, int parked, int rollupUpdates) {
    }

    /** Applies one batch; throws when it should be delivered again (nothing of it is lost either way). */
    public Result apply(String batchId, List<String> lines) {
        Map<String, RequestLog> logRecords = new LinkedHashMap<>();
        Map<String, Settlement> spends = new LinkedHashMap<>();
        List<RecordFormat.BodyPart> parts = new ArrayList<>();
        List<Runnable> parkings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int index = i;
            switch (RecordFormat.parse(line)) {
                case RecordFormat.LogRecord r -> {
                    logRecords.putIfAbsent(r.log().id(), r.log());
                    if (r.spend() != null) {
                        spends.putIfAbsent(r.spend().gateway() + "#" + r.spend().logId(), r.spend());
                    }
                }
                case RecordFormat.SpendRecord r -> spends.putIfAbsent(r.spend().gateway() + "#" + r.spend().logId(),
                        r.spend());
                case RecordFormat.BodyPart p -> parts.add(p);
                case RecordFormat.Malformed m -> parkings.add(() -> parked.park(batchId, "line" + index, m.reason(), line));
                case RecordFormat.NotARecord ignored -> {
                }
            }
        }
        int records = logRecords.size() + parts.size() + parkings.size() + spends.size();
        if (records == 0) {
            return new Result(0, 0, 0, 0, 0, 0);
        }
        if (alreadyApplied(batchId)) {
            stats.duplicates(records);
            return new Result(records, 0, records, 0, 0, 0);
        }
        parkings.forEach(Runnable::run);
        int parkedCount = parkings.size();

        // body parts first: once a log is visible, its bodies are too
        List<LogStore.BodyPart> bodyParts = parts.stream().map(p -> new LogStore.BodyPart(p.id(), p.side(), p.part(),
                p.parts(), p.gzip(), p.expiresAt())).toList();
        for (LogStore.BodyPart bad : retrying(() -> logs.putBodyParts(bodyParts))) {
            parked.park(batchId, "body" + bad.id() + bad.side() + bad.part(), "body part rejected by DynamoDB",
                    "{\"aigw\":\"body\",\"id\":\"" + bad.id() + "\",\"side\":\"" + bad.side() + "\"}");
            parkedCount++;
        }

        // logs: only those not stored yet (a first delivery that failed half-way may have stored some)
        List<RequestLog> all = new ArrayList<>(logRecords.values());
        Set<String> existing = retrying(() -> logs.existingIds(all));
        List<RequestLog> fresh = all.stream().filter(l -> !existing.contains(l.id())).toList();
        List<RequestLog> invalid = retrying(() -> logs.putAll(fresh));
        for (RequestLog bad : invalid) {
            parked.park(batchId, "log" + bad.id(), "log item rejected by DynamoDB", RecordFormat.logLine(bad));
            parkedCount++;
        }
        List<RequestLog> counted = all.stream().filter(l -> !invalid.contains(l)).toList();
        Map<String, Set<String>> storedByGateway = new LinkedHashMap<>();
        Set<String> days = new LinkedHashSet<>();
        for (RequestLog log : fresh) {
            if (!invalid.contains(log)) {
                storedByGateway.computeIfAbsent(log.gateway(), g -> new LinkedHashSet<>()).add(log.id());
                days.add(log.gateway() + "\n" + log.createdAt());
            }
        }
        for (String gd : days) {
            String[] p = gd.split("\n", 2);
            retrying(() -> {
                logs.indexDay(p[0], Long.parseLong(p[1]));
                return null;
            });
        }

        int rollupUpdates = 0;
        if (rollups != null && !counted.isEmpty()) {
            int[] parkedRollups = {0};
            Rollups.Applied applied = rollups.add(batchId, counted, (what, why) -> {
                parked.park(batchId, "rollup" + what.hashCode(), why, what);
                parkedRollups[0]++;
            });
            rollupUpdates = applied.updates();
            parkedCount += parkedRollups[0];
        }

        if (!spends.isEmpty()) {
            int[] parkedSpends = {0};
            settlements.apply(new ArrayList<>(spends.values()), bad -> {
                parked.park(batchId, "spend" + bad.logId(), "budget settlement rejected by DynamoDB",
                        RecordFormat.logLine(null, bad));
                parkedSpends[0]++;
            });
            parkedCount += parkedSpends[0];
        }

        storedByGateway.forEach((gateway, ids) -> retrying(() -> logs.mergePendingFeedback(gateway, ids)));
        markApplied(batchId);

        // Every log of a batch applied for the first time counts as ingested, including any a failed earlier
        // attempt of this batch already stored: RecordsIngested is compared with the gateway's RecordsEmitted.
        int stored = counted.size();
        int duplicates = 0;
        stats.applied(stored, duplicates, parts.size(), parkedCount);
        if (parkedCount > 0) {
            LOG.warn("batch {}: {} records parked (see PARKED# items)", batchId, parkedCount);
        }
        return new Result(records, stored, duplicates, parts.size(), parkedCount, rollupUpdates);
    }

    private boolean alreadyApplied(String batchId) {
        Map<String, AttributeValue> item = retrying(() -> dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(markerKey(batchId))).item());
        return item != null && !item.isEmpty();
    }

    private void markApplied(String batchId) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(markerKey(batchId));
        item.put(TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond() + MARKER_KEEP_SECONDS)));
        retrying(() -> dynamo.putItem(b -> b.tableName(table).item(item)));
    }

    private static Map<String, AttributeValue> markerKey(String batchId) {
        return Map.of(TableSchema.PK, AttributeValue.fromS("INGEST#" + batchId), TableSchema.SK, AttributeValue.fromS("done"));
    }

    /** A request DynamoDB refused as invalid: retrying it cannot help. */
    static final class Invalid extends RuntimeException {
        Invalid(DynamoDbException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Retries what may clear (throttling, 5xx, network) a few times; an invalid request is thrown as {@link Invalid}. */
    static <T> T retrying(Supplier<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get();
            } catch (DynamoDbException e) {
                if (e.statusCode() == 400 && !throttled(e)) {
                    throw new Invalid(e);
                }
                if (attempt >= 5) {
                    throw e;
                }
            } catch (SdkClientException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
            BatchWrites.backoff(attempt + 1);
        }
    }

    private static boolean throttled(DynamoDbException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return code != null && (code.contains("Throttl") || code.contains("ProvisionedThroughput")
                || code.contains("RequestLimit") || code.contains("TransactionConflict"));
    }
}
