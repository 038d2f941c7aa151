package io.aigateway.budget;

import io.aigateway.store.BatchWrites;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The ingest's side of budgets: applies the {@link Settlement}s of a batch to the bucket counters, exactly once per
 * log id, then keeps what depends on the totals (the exhausted set of observe-mode rules, threshold alerts).
 * <p>
 * Exactly once: settlements go in transactions of at most 100 items, each holding one marker per log id
 * ({@code SETTLED#{gateway}#{log id}}, put only where none exists) and the batch's summed deltas per bucket
 * ({@code ADD used (actual - reserved), reserved (-reserved)}). A re-delivered settlement fails its marker's
 * condition; the cancellation names it, and the transaction is tried again without it. Markers outlive any
 * re-delivery (three days).
 * <p>
 * After the counters, each bucket a rule counted on is read back (consistently) and judged on its settled use
 * ({@code used - reserved}: reservations in flight never trip anything): a bucket of an observe-mode rule at its
 * limit gets an item in {@code SPENT#{gateway}}, and each alert threshold reached is published once per window,
 * bucket and threshold, behind a conditional marker {@code ALERT#{bucket pk} / {bucket sk}#{threshold}}. Both are
 * level-triggered (what the total is, not which request crossed it), so a re-delivered batch sends nothing twice
 * and a batch that failed after its counters still sends what it owed when delivered again.
 */
public final class Settlements {
    static final String USED = "used";
    static final String RESERVED = "reserved";
    private static final String LABELS = "labels";
    private static final long MARKER_KEEP_SECONDS = 3 * 86_400L;
    private static final long KEEP_AFTER_WINDOW_SECONDS = 86_400;
    private static final int MAX_ITEMS = 100; // TransactWriteItems
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private final DynamoDbClient dynamo;
    private final String table;
    private final AlertPublisher alerts;

    public Settlements(DynamoDbClient dynamo, String table, AlertPublisher alerts) {
        this.dynamo = dynamo;
        this.table = table;
        this.alerts = alerts == null ? AlertPublisher.NONE : alerts;
    }

    /** What applying a batch's settlements did. */
    public record Applied(int settled, int alreadySettled, int parked, int alertsSent) {
    }

    /**
     * Applies {@code all} (one per log id); a settlement DynamoDB rejects as invalid is tried alone and then given to
     * {@code park}. Throws what may clear (throttling, conflicts): the batch is then delivered again.
     */
    public Applied apply(List<Settlement> all, Consumer<Settlement> park) {
        List<Settlement> todo = all.stream().filter(Settlements::changesAnything).toList();
        int settled = 0;
        int already = 0;
        int parked = 0;
        List<Settlement> chunk = new ArrayList<>();
        Set<String> chunkBuckets = new LinkedHashSet<>();
        List<List<Settlement>> chunks = new ArrayList<>();
        for (Settlement s : todo) {
            Set<String> ids = new LinkedHashSet<>(chunkBuckets);
            s.buckets().forEach(b -> ids.add(b.id()));
            if (!chunk.isEmpty() && chunk.size() + 1 + ids.size() > MAX_ITEMS) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                ids.clear();
                s.buckets().forEach(b -> ids.add(b.id()));
            }
            chunk.add(s);
            chunkBuckets = ids;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        for (List<Settlement> c : chunks) {
            Outcome o = transact(c);
            settled += o.applied;
            already += o.already;
            for (Settlement bad : o.invalid) {
                Outcome alone = transact(List.of(bad));
                settled += alone.applied;
                already += alone.already;
                if (!alone.invalid.isEmpty()) {
                    park.accept(bad);
                    parked++;
                }
            }
        }
        int sent = judge(all);
        return new Applied(settled, already, parked, sent);
    }

    private static boolean changesAnything(Settlement s) {
        return s.buckets().stream().anyMatch(b -> b.actual().signum() != 0 || b.reserved().signum() != 0);
    }

    private static final class Outcome {
        int applied;
        int already;
        List<Settlement> invalid = List.of();
    }

    /** One transaction for {@code chunk}, retried without the settlements already applied. */
    private Outcome transact(List<Settlement> chunk) {
        Outcome out = new Outcome();
        List<Settlement> left = new ArrayList<>(chunk);
        for (int attempt = 0; !left.isEmpty(); attempt++) {
            List<TransactWriteItem> items = items(left);
            try {
                dynamo.transactWriteItems(b -> b.transactItems(items));
                out.applied += left.size();
                return out;
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
                List<Settlement> fresh = new ArrayList<>();
                for (int i = 0; i < left.size(); i++) {
                    if (i < reasons.size() && "ConditionalCheckFailed".equals(reasons.get(i).code())) {
                        out.already++;
                    } else {
                        fresh.add(left.get(i));
                    }
                }
                if (fresh.size() < left.size()) {
                    left = fresh; // without the settlements applied before: the rest goes again at once
                    continue;
                }
                if (reasons.stream().anyMatch(r -> "ValidationError".equals(r.code()))) {
                    out.invalid = left;
                    return out;
                }
                if (attempt >= 7) {
                    throw e; // conflicts or throttling that do not clear: the batch is delivered again
                }
            } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                if (e.statusCode() == 400 && !retryable(e)) {
                    out.invalid = left;
                    return out;
                }
                if (attempt >= 7) {
                    throw e;
                }
            }
            BatchWrites.backoff(attempt + 1);
        }
        return out;
    }

    private static boolean retryable(software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        return code != null && (code.contains("Throttl") || code.contains("ProvisionedThroughput")
                || code.contains("RequestLimit") || code.contains("TransactionInProgress"));
    }

    /** The markers first (index i is settlement i, so a cancellation reason names it), then one update per bucket. */
    private List<TransactWriteItem> items(List<Settlement> settlements) {
        List<TransactWriteItem> items = new ArrayList<>();
        Map<String, Delta> deltas = new LinkedHashMap<>();
        long now = Instant.now().getEpochSecond();
        for (Settlement s : settlements) {
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table)
                    .item(Map.of(TableSchema.PK, AttributeValue.fromS(Keys.settled(s.gateway(), s.logId())),
                            TableSchema.SK, AttributeValue.fromS("s"),
                            TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(now + MARKER_KEEP_SECONDS))))
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", TableSchema.PK)).build()).build());
            for (Settlement.Entry b : s.buckets()) {
                deltas.computeIfAbsent(b.id(), k -> new Delta(b)).add(b);
            }
        }
        for (Delta d : deltas.values()) {
            items.add(TransactWriteItem.builder().update(d.update(table, now)).build());
        }
        return items;
    }

    /** The summed change of one bucket within a transaction. */
    private static final class Delta {
        final Settlement.Entry first;
        BigDecimal used = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
        Map<String, String> labels;
        long windowEnd;

        Delta(Settlement.Entry first) {
            this.first = first;
        }

        void add(Settlement.Entry b) {
            used = used.add(b.actual()).subtract(b.reserved());
            reserved = reserved.subtract(b.reserved());
            if (b.hasRule()) {
                labels = b.labels();
                windowEnd = Math.max(windowEnd, b.windowEnd());
            }
        }

        Update update(String table, long now) {
            Map<String, String> names = new HashMap<>(Map.of("#used", USED, "#res", RESERVED));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(
                    ":used", AttributeValue.fromN(used.toPlainString()),
                    ":res", AttributeValue.fromN(reserved.toPlainString())));
            StringBuilder set = new StringBuilder();
            if (labels != null) {
                // a bucket no reservation created yet (observe-mode rules): it needs its labels and expiry here
                Map<String, AttributeValue> l = new LinkedHashMap<>();
                labels.forEach((k, v) -> l.put(k, AttributeValue.fromS(v)));
                names.put("#labels", LABELS);
                names.put("#exp", TableSchema.EXPIRES_AT);
                values.put(":labels", AttributeValue.fromM(l));
                values.put(":exp", AttributeValue.fromN(Long.toString(Math.max(windowEnd, now) + KEEP_AFTER_WINDOW_SECONDS)));
                set.append(" SET #labels = if_not_exists(#labels, :labels), #exp = if_not_exists(#exp, :exp)");
            }
            return Update.builder().tableName(table)
                    .key(key(first.pk(), first.sk()))
                    .updateExpression("ADD #used :used, #res :res" + set)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .build();
        }
    }

    /** Exhausted markers and alerts, from each counted bucket's settled total; returns the alerts sent. */
    private int judge(List<Settlement> all) {
        Map<String, Settlement.Entry> buckets = new LinkedHashMap<>();
        Map<String, String> gatewayOf = new HashMap<>();
        for (Settlement s : all) {
            for (Settlement.Entry b : s.buckets()) {
                if (b.hasRule() && (b.observe() || (!b.alerts().isEmpty() && alerts != AlertPublisher.NONE))) {
                    buckets.putIfAbsent(b.id(), b);
                    gatewayOf.putIfAbsent(b.id(), s.gateway());
                }
            }
        }
        if (buckets.isEmpty()) {
            return 0;
        }
        Map<String, BigDecimal> settled = read(new ArrayList<>(buckets.values()));
        int sent = 0;
        for (Settlement.Entry b : buckets.values()) {
            BigDecimal used = settled.getOrDefault(b.id(), BigDecimal.ZERO);
            if (b.observe() && used.compareTo(b.limit()) >= 0) {
                markSpent(gatewayOf.get(b.id()), b, used);
            }
            if (alerts == AlertPublisher.NONE) {
                continue;
            }
            for (int threshold : b.alerts()) {
                BigDecimal at = b.limit().multiply(BigDecimal.valueOf(threshold)).divide(HUNDRED);
                if (used.compareTo(at) >= 0 && claimAlert(b, threshold)) {
                    SpendAlert alert = new SpendAlert(gatewayOf.get(b.id()), b.rule(), b.measure(), threshold,
                            b.limit(), used, b.windowEnd(), b.labels());
                    try {
                        alerts.publish(alert);
                        sent++;
                    } catch (RuntimeException e) {
                        releaseAlert(b, threshold); // sent when the batch is delivered again
                        throw e;
                    }
                }
            }
        }
        return sent;
    }

    /** Settled use ({@code used - reserved}) of each bucket, read consistently. */
    private Map<String, BigDecimal> read(List<Settlement.Entry> buckets) {
        Map<String, BigDecimal> out = new HashMap<>();
        for (int from = 0; from < buckets.size(); from += MAX_ITEMS) {
            List<Map<String, AttributeValue>> keys = buckets.subList(from, Math.min(buckets.size(), from + MAX_ITEMS))
                    .stream().map(b -> key(b.pk(), b.sk())).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).build());
            for (int attempt = 0; !request.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> ask = request;
                BatchGetItemResponse r = dynamo.batchGetItem(b -> b.requestItems(ask));
                for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                    out.put(item.get(TableSchema.PK).s() + "|" + item.get(TableSchema.SK).s(),
                            number(item, USED).subtract(number(item, RESERVED)));
                }
                request = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
                if (!request.isEmpty()) {
                    if (attempt >= 7) {
                        throw new IllegalStateException("budget totals not read (throttled)");
                    }
                    BatchWrites.backoff(attempt + 1);
                }
            }
        }
        return out;
    }

    private static BigDecimal number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? BigDecimal.ZERO : new BigDecimal(v.n());
    }

    private void markSpent(String gateway, Settlement.Entry b, BigDecimal used) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(TableSchema.PK, AttributeValue.fromS(Keys.spent(gateway)));
        item.put(TableSchema.SK, AttributeValue.fromS(b.id()));
        item.put("rule", AttributeValue.fromS(b.rule()));
        item.put("used", AttributeValue.fromN(used.toPlainString()));
        item.put("window_end", AttributeValue.fromN(Long.toString(b.windowEnd())));
        item.put(TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(b.windowEnd() + 3600)));
        dynamo.putItem(p -> p.tableName(table).item(item));
    }

    /** True when this call took the alert's marker (nobody sent it before in this window). */
    private boolean claimAlert(Settlement.Entry b, int threshold) {
        try {
            dynamo.putItem(p -> p.tableName(table).item(Map.of(
                            TableSchema.PK, AttributeValue.fromS(Keys.alert(b.pk())),
                            TableSchema.SK, AttributeValue.fromS(b.sk() + "#" + threshold),
                            TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(b.windowEnd() + KEEP_AFTER_WINDOW_SECONDS))))
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", TableSchema.PK)));
            return true;
        } catch (ConditionalCheckFailedException sentBefore) {
            return false;
        }
    }

    private void releaseAlert(Settlement.Entry b, int threshold) {
        try {
            dynamo.deleteItem(d -> d.tableName(table).key(key(Keys.alert(b.pk()), b.sk() + "#" + threshold)));
        } catch (RuntimeException e) {
            // the marker stays: this alert is lost rather than sent twice (logged by the caller's failure)
        }
    }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS(sk));
    }
}
