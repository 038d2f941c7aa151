package io.aigateway.analytics;

import io.aigateway.log.RequestLog;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hourly counters per gateway and dimension value, kept up to date as logs are written, so analytics never read
 * raw logs one by one.
 * <pre>
 *   pk = AGG#{gateway}#{dimension}#{yyyyMMddHH}    dimension: provider | model | metadata.{key}
 *   sk = {value}#{shard}                          shard 0-3 spreads a hot value's writes
 *   requests, errors, cached, tokens_in, tokens_out, cost, cost_unknown, cost_saved, duration_ms, h{bucket}
 * </pre>
 * One Query per hour and dimension returns every value of that dimension in that hour. Latency percentiles come
 * from a log-scale histogram (buckets ~15% wide), so p50/p95 are accurate to about 15%.
 */
public final class Rollups {
    static final int SHARDS = 4;
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    private static final double BUCKET_BASE = Math.log(1.15);
    private static final long KEEP_SECONDS = 400L * 86_400;

    private final DynamoDbClient dynamo;
    private final String table;
    private final ExecutorService executor;

    public Rollups(DynamoDbClient dynamo, String table, ExecutorService executor) {
        this.dynamo = dynamo;
        this.table = table;
        this.executor = executor;
    }

    /** Counter increments, summed over the logs of a batch, one update per (hour, dimension, value). */
    public void add(List<RequestLog> logs) {
        Map<String, Delta> deltas = new LinkedHashMap<>();
        for (RequestLog log : logs) {
            String hour = HOUR.format(Instant.ofEpochMilli(log.createdAt()));
            String prefix = "AGG#" + log.gateway() + "#";
            delta(deltas, prefix + "provider#" + hour, value(log.provider())).add(log);
            delta(deltas, prefix + "model#" + hour, value(log.model())).add(log);
            log.metadata().forEach((k, v) -> delta(deltas, prefix + "metadata." + k + "#" + hour, value(String.valueOf(v))).add(log));
        }
        List<Future<?>> writes = new ArrayList<>(deltas.size());
        for (Delta d : deltas.values()) {
            writes.add(executor.submit(() -> write(d)));
        }
        for (Future<?> w : writes) {
            try {
                w.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Delta delta(Map<String, Delta> deltas, String pk, String value) {
        return deltas.computeIfAbsent(pk + "\n" + value, k -> new Delta(pk, value));
    }

    private static String value(String raw) {
        return raw == null || raw.isEmpty() ? "unknown" : raw.length() > 200 ? raw.substring(0, 200) : raw;
    }

    private void write(Delta delta) {
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
        String sk = delta.value() + "#" + ThreadLocalRandom.current().nextInt(SHARDS);
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of(TableSchema.PK, AttributeValue.fromS(delta.pk()), TableSchema.SK, AttributeValue.fromS(sk)))
                .updateExpression("ADD " + String.join(", ", adds) + " SET #exp = :exp")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
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
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(b -> b.tableName(table)
                    .keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", TableSchema.PK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("AGG#" + gateway + "#" + dimension + "#" + hour)))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                String sk = item.get(TableSchema.SK).s();
                String value = sk.substring(0, sk.lastIndexOf('#'));
                byValue.computeIfAbsent(value, v -> new Counters()).add(item);
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
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
