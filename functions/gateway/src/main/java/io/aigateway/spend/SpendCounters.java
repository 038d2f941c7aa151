package io.aigateway.spend;

import io.aigateway.config.LimitRule;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Budget counters in the one table, one item per bucket and window ({@link Buckets.Bucket}): {@code used} grows by
 * an atomic {@code ADD} after each request, so concurrent instances never lose each other's counts; the item
 * expires a day after its window ends.
 */
public final class SpendCounters {
    static final String USED = "used";
    private static final String LABELS = "labels";
    private static final long KEEP_AFTER_WINDOW_SECONDS = 86_400;
    private static final int MAX_LISTED = 1_000;

    private final DynamoDbClient dynamo;
    private final String table;

    public SpendCounters(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** What each bucket has used so far in its window (0 for a bucket with no item yet), by {@link Buckets.Bucket#id()}. */
    Map<String, BigDecimal> read(List<Buckets.Bucket> buckets) {
        Map<String, BigDecimal> used = new HashMap<>();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        Map<String, Boolean> seen = new HashMap<>();
        for (Buckets.Bucket b : buckets) {
            used.put(b.id(), BigDecimal.ZERO);
            if (seen.putIfAbsent(b.id(), Boolean.TRUE) == null) {
                keys.add(key(b.pk(), b.sk()));
            }
        }
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                .projectionExpression("#pk, #sk, #used")
                .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#sk", TableSchema.SK, "#used", USED)).build());
        for (int attempt = 0; !request.isEmpty() && attempt < 5; attempt++) {
            Map<String, KeysAndAttributes> ask = request;
            BatchGetItemResponse r = dynamo.batchGetItem(b -> b.requestItems(ask));
            for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                AttributeValue u = item.get(USED);
                if (u != null && u.n() != null) {
                    used.put(item.get(TableSchema.PK).s() + "|" + item.get(TableSchema.SK).s(), new BigDecimal(u.n()));
                }
            }
            request = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
        }
        if (!request.isEmpty()) {
            throw new IllegalStateException("budget counters not read (throttled)");
        }
        return used;
    }

    /** Adds {@code amount} to the bucket; returns its new total. */
    BigDecimal add(Buckets.Bucket b, BigDecimal amount) {
        Map<String, AttributeValue> labels = new LinkedHashMap<>();
        b.labels().forEach((k, v) -> labels.put(k, AttributeValue.fromS(v)));
        Map<String, AttributeValue> out = dynamo.updateItem(u -> u.tableName(table).key(key(b.pk(), b.sk()))
                .updateExpression("ADD #used :amount SET #labels = :labels, #exp = :exp")
                .expressionAttributeNames(Map.of("#used", USED, "#labels", LABELS, "#exp", TableSchema.EXPIRES_AT))
                .expressionAttributeValues(Map.of(
                        ":amount", AttributeValue.fromN(amount.toPlainString()),
                        ":labels", AttributeValue.fromM(labels),
                        ":exp", AttributeValue.fromN(Long.toString(b.windowEnd() + KEEP_AFTER_WINDOW_SECONDS))))
                .returnValues(ReturnValue.UPDATED_NEW)).attributes();
        AttributeValue total = out == null ? null : out.get(USED);
        return total == null ? amount : new BigDecimal(total.n());
    }

    /** One bucket of the current window, as {@code GET .../spend} shows it. */
    public record Row(Map<String, String> labels, BigDecimal used) {
    }

    /** Every bucket of {@code rule}'s window that holds {@code nowMillis} (at most 1000). */
    public List<Row> current(String gateway, LimitRule rule, long nowMillis) {
        long now = Math.floorDiv(nowMillis, 1000);
        long start = Math.floorDiv(now, rule.windowSeconds()) * rule.windowSeconds();
        String pk = Buckets.pk(gateway, rule, start);
        List<Row> rows = new ArrayList<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, pk, false)) {
            if (rows.size() >= MAX_LISTED) {
                break; // the paginator asks for the next page only when iterated on
            }
            Map<String, String> labels = new LinkedHashMap<>();
            AttributeValue l = item.get(LABELS);
            if (l != null && l.hasM()) {
                l.m().forEach((k, v) -> labels.put(k, v.s()));
            }
            rows.add(new Row(labels, item.get(USED) == null ? BigDecimal.ZERO : new BigDecimal(item.get(USED).n())));
        }
        return rows;
    }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS(sk));
    }
}
