package io.aigateway.analytics;

import io.aigateway.log.RequestLog;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hourly counters per gateway and dimension value, kept up to date by the ingest as it stores logs, so analytics
 * never read raw logs one by one.
 * <pre>
 *   pk = AGG#{gateway}#{dimension}#{yyyyMMddHH}    dimension: provider | model | key | metadata.{key}
 *   sk = {value}#{shard}                          shard 0-3 spreads a hot value's writes
 *   requests, errors, cached, tokens_in, tokens_out, cost, cost_unknown, cost_saved, duration_ms, h{bucket}
 * </pre>
 * Shard 0-3 is chosen per batch. One Query per hour and dimension returns every value of that dimension in that hour. Latency percentiles come
 * from a log-scale histogram (buckets ~15% wide), so p50/p95 are accurate to about 15%.
 */
public final class Rollups {
    static final int SHARDS = 4;
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    private static final double BUCKET_BASE = Math.log(1.15);
    private static final long KEEP_SECONDS = 400L * 86_400;

    private final DynamoDbClient dynamo;
    private final String table;

    public Rollups(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** What applying a batch's counters did. */
    public record Applied(int updates, int skippedAsApplied, int parked) {
    }

    /**
     * Adds the counters of a batch of logs: summed per (hour, dimension, value), so a batch makes one update per
     * distinct key rather than one per request. At most once per {@code batchId}: each chunk of up to 99 updates is
     * one transaction together with a marker item {@code INGEST#{batchId}} / {@code r{chunk}} that must not exist, so
     * a batch delivered again (or retried after a failure half-way) never counts twice. An update DynamoDB rejects
     * as invalid is tried alone, under a marker of its own, and given to {@code park} if it fails again, so one bad
     * value never costs its neighbours their counts.
     */
    public Applied add(String batchId, List<RequestLog> logs, java.util.function.BiConsumer<String, String> park) {
        Map<String, Delta> deltas = new java.util.TreeMap<>();
        for (RequestLog log : logs) {
            String hour = HOUR.format(Instant.ofEpochMilli(log.createdAt()));
            String prefix = Keys.rollupPrefix(log.gateway());
            delta(deltas, prefix + "provider#" + hour, value(log.provider())).add(log);
            delta(deltas, prefix + "model#" + hour, value(log.model())).add(log);
            log.metadata().forEach((k, v) -> delta(deltas, prefix + "metadata." + k + "#" + hour, value(String.valueOf(v))).add(log));
            if (log.keyId() != null) {
                delta(deltas, prefix + "key#" + hour, value(log.keyId())).add(log);
            }
        }
        int shard = Math.floorMod(batchId.hashCode(), SHARDS);
        List<Delta> all = new ArrayList<>(deltas.values());
        int updates = 0;
        int skipped = 0;
        int parked = 0;
        for (int chunk = 0, from = 0; from < all.size(); chunk++, from += CHUNK) {
            List<Delta> part = all.subList(from, Math.min(all.size(), from + CHUNK));
            switch (transact(batchId + "#r" + chunk, part, shard)) {
                case APPLIED -> updates += part.size();
                case ALREADY_APPLIED -> skipped += part.size();
                case INVALID -> {
                    for (int i = 0; i < part.size(); i++) {
                        Delta one = part.get(i);
                        switch (transact(batchId + "#r" + chunk + "." + i, List.of(one), shard)) {
                            case APPLIED -> updates++;
                            case ALREADY_APPLIED -> skipped++;
                            case INVALID -> {
                                parked++;
                                park.accept(one.pk() + " / " + one.value(), "rollup update rejected as invalid");
                            }
                        }
                    }
                }
            }
        }
        return new Applied(updates, skipped, parked);
    }

    private enum Outcome { APPLIED, ALREADY_APPLIED, INVALID }

    private static final int CHUNK = 99; // TransactWriteItems takes 100 items, one of them the marker
    private static final long MARKER_KEEP_SECONDS = 3 * 86_400L; // longer than any re-delivery window

    private Outcome transact(String marker, List<Delta> part, int shard) {
        List<TransactWriteItem> items = new ArrayList<>(part.size() + 1);
        items.add(TransactWriteItem.builder().put(Put.builder().tableName(table)
                .item(Map.of(TableSchema.PK, AttributeValue.fromS("INGEST#" + marker), TableSchema.SK, AttributeValue.fromS("r"),
                        TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond() + MARKER_KEEP_SECONDS))))
                .conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", TableSchema.PK)).build()).build());
        for (Delta d : part) {
            items.add(TransactWriteItem.builder().update(update(d, shard)).build());
        }
        for (int attempt = 0; ; attempt++) {
            try {
                dynamo.transactWriteItems(b -> b.transactItems(items));
                return Outcome.APPLIED;
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
                if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                    return Outcome.ALREADY_APPLIED;
                }
                if (reasons.stream().anyMatch(r -> "ValidationError".equals(r.code()))) {
                    return Outcome.INVALID;
                }
                if (attempt >= 7) {
                    throw e; // conflicts or throttling that do not clear: the batch is retried whole, later
                }
            } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                if (e.statusCode() == 400 && !retryable(e)) {
                    return Outcome.INVALID;
                }
                if (attempt >= 7) {
                    throw e;
                }
            }
            io.aigateway.store.BatchWrites.backoff(attempt + 1);
        }
    }

    private static boolean retryable(software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        return code != null && (code.contains("Throttl") || code.contains("ProvisionedThroughput")
                || code.contains("RequestLimit") || code.contains("TransactionInProgress"));
    }

    private static Delta delta(Map<String, Delta> deltas, String pk, String value) {
        return deltas.computeIfAbsent(pk + "\n" + value, k -> new Delta(pk, value));
    }

    private static String value(String raw) {
        return raw == null || raw.isEmpty() ? "unknown" : raw.length() > 200 ? raw.substring(0, 200) : raw;
    }

    private Update update(Delta delta, int shard) {
        Counters d = delta.counters();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> adds = new ArrayList<>();
        add(adds, names, values, "requests", d.requests);
        add(adds, names, values, "errors", d.errors);
        add(adds, names, values, "cached", d.cached);
        add(adds, names, values, "tokens_in", d.tokensIn);
        add(adds, names, values, "tokens_out", d.tokensOut);
        add(adds, names, values, "cost_unknown", d.costUnknown);
        add(adds, names, values, "duration_ms", d.durationMs);
        if (d.cost.signum() != 0) {
            names.put("#cost", "cost");
            values.put(":cost", AttributeValue.fromN(d.cost.toPlainString()));
            adds.add("#cost :cost");
        }
        if (d.costSaved.signum() != 0) {
            names.put("#saved", "cost_saved");
            values.put(":saved", AttributeValue.fromN(d.costSaved.toPlainString()));
            adds.add("#saved :saved");
        }
        d.histogram.forEach((bucket, count) -> add(adds, names, values, "h" + bucket, count));
        names.put("#exp", TableSchema.EXPIRES_AT);
        values.put(":exp", AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond() + KEEP_SECONDS)));
        String sk = delta.value() + "#" + shard;
        return Update.builder().tableName(table)
                .key(Map.of(TableSchema.PK, AttributeValue.fromS(delta.pk()), TableSchema.SK, AttributeValue.fromS(sk)))
                .updateExpression("ADD " + String.join(", ", adds) + " SET #exp = :exp")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .build();
    }

    private static void add(List<String> adds, Map<String, String> names, Map<String, AttributeValue> values,
                            String field, long amount) {
        if (amount != 0) {
            names.put("#" + field, field);
            values.put(":" + field, AttributeValue.fromN(Long.toString(amount)));
            adds.add("#" + field + " :" + field);
        }
    }

    static int bucket(long millis) {
        return millis <= 0 ? 0 : (int) Math.floor(Math.log(millis + 1) / BUCKET_BASE);
    }

    /** The upper bound (ms) of a histogram bucket. */
    static double bucketUpper(int bucket) {
        return Math.exp((bucket + 1) * BUCKET_BASE) - 1;
    }

    /** Every value's counters for one dimension and hour (shards merged). */
    public Map<String, Counters> hour(String gateway, String dimension, String hour) {
        Map<String, Counters> byValue = new HashMap<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table,
                Keys.rollup(gateway, dimension, hour), false)) {
            String sk = item.get(TableSchema.SK).s();
            String value = sk.substring(0, sk.lastIndexOf('#'));
            byValue.computeIfAbsent(value, v -> new Counters()).add(item);
        }
        return byValue;
    }

    public static String hourOf(long epochMillis) {
        return HOUR.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Increments for one (dimension value, hour). */
    private record Delta(String pk, String value, Counters counters) {
        Delta(String pk, String value) {
            this(pk, value, new Counters());
        }

        void add(RequestLog log) {
            counters.add(log, bucket(log.duration()));
        }
    }
}
