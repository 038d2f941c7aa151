package io.aigateway.spend;

import io.aigateway.config.LimitRule;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Budget counters in the one table, one item per bucket and window ({@link Buckets.Bucket}): {@code used} is what
 * the bucket has spent plus what requests in flight hold ({@code reserved}); the item expires a day after its window
 * ends. The gateway only reserves (a conditional {@code ADD} that fails when the reservation would not fit) and gives
 * a reservation back when a later bucket refuses; the ingest settles each request's reservation against what it
 * actually used (io.aigateway.budget.Settlements).
 */
public final class SpendCounters {
    static final String USED = "used";
    static final String RESERVED = "reserved";
    private static final String LABELS = "labels";
    private static final long KEEP_AFTER_WINDOW_SECONDS = 86_400;
    private static final int MAX_LISTED = 1_000;
    private static final int CONFLICT_RETRIES = 3;

    private final DynamoDbClient dynamo;
    private final String table;

    public SpendCounters(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** A reservation that did not fit: what the bucket held when it was refused. */
    record Full(BigDecimal used, BigDecimal reserved) {
        BigDecimal settled() {
            return used.subtract(reserved);
        }
    }

    /**
     * Reserves {@code amount} on the bucket: {@code ADD used, reserved} on the condition that {@code used} stays within
     * the limit. Returns null when reserved, else what the bucket held. Store errors propagate.
     */
    Full reserve(Buckets.Bucket b, BigDecimal amount) {
        BigDecimal room = b.rule().limit().subtract(amount);
        Map<String, AttributeValue> labels = new LinkedHashMap<>();
        b.labels().forEach((k, v) -> labels.put(k, AttributeValue.fromS(v)));
        for (int attempt = 0; ; attempt++) {
            try {
                return tryReserve(b, amount, room, labels);
            } catch (TransactionConflictException settling) {
                // the ingest's settlement transaction holds the item for a few ms: wait that out, a few times
                if (attempt >= CONFLICT_RETRIES) {
                    throw settling;
                }
                try {
                    Thread.sleep(5L << attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw settling;
                }
            }
        }
    }

    private Full tryReserve(Buckets.Bucket b, BigDecimal amount, BigDecimal room, Map<String, AttributeValue> labels) {
        try {
            dynamo.updateItem(u -> u.tableName(table).key(key(b.pk(), b.sk()))
                    .updateExpression("ADD #used :amount, #res :amount SET #labels = :labels, #exp = :exp")
                    .conditionExpression("attribute_not_exists(#used) OR #used <= :room")
                    .expressionAttributeNames(Map.of("#used", USED, "#res", RESERVED, "#labels", LABELS,
                            "#exp", TableSchema.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(
                            ":amount", AttributeValue.fromN(amount.toPlainString()),
                            ":room", AttributeValue.fromN(room.toPlainString()),
                            ":labels", AttributeValue.fromM(labels),
                            ":exp", AttributeValue.fromN(Long.toString(b.windowEnd() + KEEP_AFTER_WINDOW_SECONDS))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return null;
        } catch (ConditionalCheckFailedException full) {
            Map<String, AttributeValue> item = full.hasItem() ? full.item() : Map.of();
            return new Full(number(item, USED), number(item, RESERVED));
        }
    }

    /** Gives a reservation back whole (another bucket of the request refused it). */
    void release(Buckets.Bucket b, BigDecimal amount) {
        dynamo.updateItem(u -> u.tableName(table).key(key(b.pk(), b.sk()))
                .updateExpression("ADD #used :minus, #res :minus")
                .expressionAttributeNames(Map.of("#used", USED, "#res", RESERVED))
                .expressionAttributeValues(Map.of(":minus", AttributeValue.fromN(amount.negate().toPlainString()))));
    }

    /**
     * The gateway's buckets the ingest found exhausted (observe-mode rules) whose window is still running: settled
     * use by bucket id ({@link Buckets.Bucket#id()}).
     */
    Map<String, BigDecimal> exhausted(String gateway, long nowSeconds) {
        Map<String, BigDecimal> ids = new HashMap<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, Keys.spent(gateway), false)) {
            AttributeValue end = item.get("window_end");
            if (end == null || Long.parseLong(end.n()) > nowSeconds) {
                ids.put(item.get(TableSchema.SK).s(), number(item, USED));
            }
        }
        return Map.copyOf(ids);
    }

    /** One bucket of the current window, as {@code GET .../spend} shows it. */
    public record Row(Map<String, String> labels, BigDecimal used, BigDecimal reserved) {
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
            rows.add(new Row(labels, number(item, USED), number(item, RESERVED)));
        }
        return rows;
    }

    private static BigDecimal number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? BigDecimal.ZERO : new BigDecimal(v.n());
    }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS(sk));
    }
}
