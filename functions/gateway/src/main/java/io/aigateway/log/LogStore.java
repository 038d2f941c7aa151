package io.aigateway.log;

import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Request logs in the one table, keyed for the reads the admin API makes, never scanned:
 * <pre>
 *   pk = LOG#{gateway}#{yyyyMMdd}#{shard}   sk = {log id (ULID, time-ordered)}
 *   pk = LOGDAYS#{gateway}                  sk = days    days = string set of yyyyMMdd that hold logs
 * </pre>
 * Shards spread one busy gateway's writes over {@value #SHARDS} partitions; a log's day and shard follow from
 * its id, so reading one log is one GetItem. A listing reads only days that hold logs, newest first, the shards of
 * a day in parallel.
 */
public final class LogStore {
    static final int SHARDS = 4;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;
    private final ExecutorService executor;
    /** Days this instance already recorded in the day index: one extra write per gateway per day per instance. */
    private final Set<String> indexedDays = ConcurrentHashMap.newKeySet();

    public LogStore(DynamoDbClient dynamo, String table, ExecutorService executor) {
        this.dynamo = dynamo;
        this.table = table;
        this.executor = executor;
    }

    public void write(RequestLog log) {
        write(log, null);
    }

    /** One log (and its bodies, when kept): one PutItem, or a two-item batch. */
    public void write(RequestLog log, LogPayload payload) {
        if (payload == null || payload.isEmpty()) {
            String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
            dynamo.putItem(b -> b.tableName(table).item(toItem(log, day)));
            indexDay(log.gateway(), day);
        } else {
            writeBatch(List.of(new Entry(log, payload)));
        }
    }

    /** A log and its (optional) bodies. */
    public record Entry(RequestLog log, LogPayload payload) {
    }

    /** Logs and bodies in BatchWriteItem calls of 25 items; unprocessed items are retried a few times. */
    public void writeBatch(List<Entry> entries) {
        List<WriteRequest> writes = new ArrayList<>(entries.size() * 2);
        for (Entry e : entries) {
            RequestLog log = e.log();
            String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
            writes.add(WriteRequest.builder().putRequest(p -> p.item(toItem(log, day))).build());
            if (e.payload() != null && !e.payload().isEmpty()) {
                writes.add(WriteRequest.builder().putRequest(p -> p.item(bodyItem(log.id(),
                        e.payload().requestGzip(), e.payload().responseGzip(), log.expiresAt()))).build());
            }
            indexDay(log.gateway(), day);
        }
        for (int i = 0; i < writes.size(); i += 25) {
            writeChunk(writes.subList(i, Math.min(writes.size(), i + 25)));
        }
    }

    private void writeChunk(List<WriteRequest> writes) {
        Map<String, List<WriteRequest>> pending = Map.of(table, writes);
        for (int attempt = 0; attempt < 5 && !pending.isEmpty(); attempt++) {
            if (attempt > 0) {
                sleep(20L << attempt);
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException(pending.getOrDefault(table, List.of()).size() + " logs left unprocessed");
        }
    }

    /** The day index is written once per gateway and day by each instance. */
    private void indexDay(String gateway, String day) {
        if (indexedDays.add(gateway + "#" + day)) {
            try {
                dynamo.updateItem(b -> b.tableName(table)
                        .key(Map.of(TableSchema.PK, s("LOGDAYS#" + gateway), TableSchema.SK, s("days")))
                        .updateExpression("ADD #days :day")
                        .expressionAttributeNames(Map.of("#days", "days"))
                        .expressionAttributeValues(Map.of(":day", AttributeValue.fromSs(List.of(day)))));
            } catch (RuntimeException e) {
                indexedDays.remove(gateway + "#" + day);
                throw e;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Optional<RequestLog> get(String gateway, String id) {
        if (!LogIds.isValid(id)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of(TableSchema.PK, s(partition(gateway, id)), TableSchema.SK, s(id)))).item();
        if (item == null || item.isEmpty() || expired(item)) {
            return Optional.empty();
        }
        return Optional.of(fromItem(item));
    }

    public record Page(List<RequestLog> logs, String nextCursor) {
    }

    public Page list(LogQuery q) {
        long upper = q.toMillis();
        if (q.beforeId() != null) {
            upper = Math.min(upper, LogIds.timestamp(q.beforeId()));
        }
        String upperId = q.beforeId() != null && LogIds.timestamp(q.beforeId()) <= q.toMillis()
                ? q.beforeId() : LogIds.highest(q.toMillis());
        String lowerId = LogIds.lowest(q.fromMillis());
        String fromDay = DAY.format(Instant.ofEpochMilli(q.fromMillis()));
        String toDay = DAY.format(Instant.ofEpochMilli(upper));

        List<RequestLog> found = new ArrayList<>();
        for (String day : daysWithLogs(q.gateway()).descendingSet()) {
            if (day.compareTo(toDay) > 0) {
                continue;
            }
            if (day.compareTo(fromDay) < 0 || found.size() >= q.limit() + 1) {
                break;
            }
            found.addAll(queryDay(q, day, lowerId, upperId, q.limit() + 1 - found.size()));
        }
        found.sort(Comparator.comparing(RequestLog::id).reversed());
        boolean more = found.size() > q.limit();
        List<RequestLog> page = more ? List.copyOf(found.subList(0, q.limit())) : List.copyOf(found);
        return new Page(page, more ? page.get(page.size() - 1).id() : null);
    }

    private TreeSet<String> daysWithLogs(String gateway) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of(TableSchema.PK, s("LOGDAYS#" + gateway), TableSchema.SK, s("days")))).item();
        TreeSet<String> days = new TreeSet<>();
        if (item != null && item.containsKey("days")) {
            days.addAll(item.get("days").ss());
        }
        return days;
    }

    /** The newest {@code want} matching logs of one day: every shard queried in parallel, then merged. */
    private List<RequestLog> queryDay(LogQuery q, String day, String lowerId, String upperId, int want) {
        List<Future<List<RequestLog>>> shards = new ArrayList<>(SHARDS);
        for (int shard = 0; shard < SHARDS; shard++) {
            String pk = "LOG#" + q.gateway() + "#" + day + "#" + shard;
            shards.add(executor.submit(() -> queryShard(q, pk, lowerId, upperId, want)));
        }
        List<RequestLog> merged = new ArrayList<>();
        for (Future<List<RequestLog>> f : shards) {
            try {
                merged.addAll(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while listing logs", e);
            }
        }
        merged.sort(Comparator.comparing(RequestLog::id).reversed());
        return merged.size() > want ? merged.subList(0, want) : merged;
    }

    private List<RequestLog> queryShard(LogQuery q, String pk, String lowerId, String upperId, int want) {
        Map<String, String> names = new HashMap<>(Map.of("#pk", TableSchema.PK, "#sk", TableSchema.SK,
                "#exp", TableSchema.EXPIRES_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", s(pk), ":lo", s(lowerId), ":hi", s(upperId),
                ":now", n(Instant.now().getEpochSecond())));
        List<String> filters = new ArrayList<>(List.of("#exp > :now"));
        LogQuery.Filters f = q.filters();
        eq(filters, names, values, "provider", f.provider() == null ? null : s(f.provider()));
        eq(filters, names, values, "model", f.model() == null ? null : s(f.model()));
        eq(filters, names, values, "status_code", f.statusCode() == null ? null : n(f.statusCode()));
        eq(filters, names, values, "success", f.success() == null ? null : AttributeValue.fromBool(f.success()));
        eq(filters, names, values, "event_id", f.eventId() == null ? null : s(f.eventId()));
        eq(filters, names, values, "feedback", f.feedback() == null ? null : n(f.feedback()));
        if (f.cached() != null) {
            // logs written before a field existed lack it: "not cached" includes them
            names.put("#cached", "cached");
            values.put(":cached", AttributeValue.fromBool(true));
            filters.add(f.cached() ? "#cached = :cached" : "(attribute_not_exists(#cached) OR #cached <> :cached)");
        }
        if (f.metadataKey() != null) {
            names.put("#meta", "metadata");
            names.put("#mkey", f.metadataKey());
            if (f.metadataValue() != null) {
                // metadata values keep their type (string, number, boolean): match the text form against each
                values.put(":mvs", s(f.metadataValue()));
                List<String> alternatives = new ArrayList<>(List.of("#meta.#mkey = :mvs"));
                if (f.metadataValue().equals("true") || f.metadataValue().equals("false")) {
                    values.put(":mvb", AttributeValue.fromBool(Boolean.parseBoolean(f.metadataValue())));
                    alternatives.add("#meta.#mkey = :mvb");
                }
                try {
                    new BigDecimal(f.metadataValue());
                    values.put(":mvn", AttributeValue.fromN(f.metadataValue()));
                    alternatives.add("#meta.#mkey = :mvn");
                } catch (NumberFormatException notANumber) {
                    // a string value only
                }
                filters.add("(" + String.join(" OR ", alternatives) + ")");
            } else {
                filters.add("attribute_exists(#meta.#mkey)");
            }
        }
        range(filters, names, values, "cost", f.minCost(), f.maxCost());
        range(filters, names, values, "duration", f.minDuration(), f.maxDuration());
        range(filters, names, values, "tokens_in", f.minTokensIn(), f.maxTokensIn());
        range(filters, names, values, "tokens_out", f.minTokensOut(), f.maxTokensOut());
        // "sk < cursor" must exclude the cursor itself; BETWEEN is inclusive, and ids are unique, so drop it below.
        QueryRequest.Builder request = QueryRequest.builder().tableName(table)
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
                .filterExpression(String.join(" AND ", filters))
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .scanIndexForward(false)
                .limit(Math.max(want, 25));
        List<RequestLog> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = dynamo.query(start == null ? request.build() : request.exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (!item.get(TableSchema.SK).s().equals(q.beforeId())) {
                    out.add(fromItem(item));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && out.size() < want);
        return out.size() > want ? out.subList(0, want) : out;
    }

    private static void eq(List<String> filters, Map<String, String> names, Map<String, AttributeValue> values,
                           String field, AttributeValue value) {
        if (value != null) {
            names.put("#f_" + field, field);
            values.put(":f_" + field, value);
            filters.add("#f_" + field + " = :f_" + field);
        }
    }

    private static void range(List<String> filters, Map<String, String> names, Map<String, AttributeValue> values,
                              String field, Number min, Number max) {
        if (min != null) {
            names.put("#r_" + field, field);
            values.put(":min_" + field, AttributeValue.fromN(decimal(min.doubleValue())));
            filters.add("#r_" + field + " >= :min_" + field);
        }
        if (max != null) {
            names.put("#r_" + field, field);
            values.put(":max_" + field, AttributeValue.fromN(decimal(max.doubleValue())));
            filters.add("#r_" + field + " <= :max_" + field);
        }
    }

    /** Applies feedback to a stored log; false when there is no such log. */
    public boolean patch(String gateway, String id, Integer feedback, Double score, Map<String, Object> metadata) {
        Optional<RequestLog> current = get(gateway, id);
        if (current.isEmpty()) {
            return false;
        }
        RequestLog log = current.get();
        RequestLog updated = log.withFeedback(feedback != null ? feedback : log.feedback(),
                score != null ? score : log.score(), metadata != null ? metadata : log.metadata());
        String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
        dynamo.putItem(b -> b.tableName(table).item(toItem(updated, day))
                .conditionExpression("attribute_exists(#sk)")
                .expressionAttributeNames(Map.of("#sk", TableSchema.SK)));
        return true;
    }

    /**
     * Deletes up to {@code max} logs matching the query (keyed reads, then BatchWriteItem deletes of the logs and
     * their bodies). Returns how many were deleted and whether more match.
     */
    public record Deleted(int count, boolean more) {
    }

    public Deleted delete(LogQuery query, int max) {
        int deleted = 0;
        LogQuery q = new LogQuery(query.gateway(), Math.min(100, max), null, query.fromMillis(), query.toMillis(),
                query.filters());
        while (deleted < max) {
            Page page = list(q);
            if (page.logs().isEmpty()) {
                return new Deleted(deleted, false);
            }
            List<WriteRequest> writes = new ArrayList<>();
            for (RequestLog log : page.logs()) {
                writes.add(WriteRequest.builder().deleteRequest(d -> d.key(Map.of(
                        TableSchema.PK, s(partition(log.gateway(), log.id())), TableSchema.SK, s(log.id())))).build());
                writes.add(WriteRequest.builder().deleteRequest(d -> d.key(bodyKey(log.id()))).build());
            }
            for (int i = 0; i < writes.size(); i += 24) {
                List<WriteRequest> chunk = writes.subList(i, Math.min(writes.size(), i + 24));
                Map<String, List<WriteRequest>> pending = Map.of(table, chunk);
                for (int attempt = 0; attempt < 5 && !pending.isEmpty(); attempt++) {
                    Map<String, List<WriteRequest>> request = pending;
                    BatchWriteItemResponse r = dynamo.batchWriteItem(b -> b.requestItems(request));
                    pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
                }
            }
            deleted += page.logs().size();
            if (page.nextCursor() == null) {
                return new Deleted(deleted, false);
            }
        }
        return new Deleted(deleted, true);
    }

    // ---- bodies: stored apart from the log so listings stay small ----

    static Map<String, AttributeValue> bodyKey(String id) {
        return Map.of(TableSchema.PK, s("LOGBODY#" + id), TableSchema.SK, s("b"));
    }

    /** Gzip-compressed request and response bodies of a log, written with it. */
    public static Map<String, AttributeValue> bodyItem(String id, byte[] requestGzip, byte[] responseGzip,
                                                       long expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>(bodyKey(id));
        item.put(TableSchema.EXPIRES_AT, n(expiresAt));
        if (requestGzip != null) {
            item.put("request", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(requestGzip)));
        }
        if (responseGzip != null) {
            item.put("response", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(responseGzip)));
        }
        return item;
    }

    /** The stored body of one side ("request" or "response"), still gzip-compressed. */
    public Optional<byte[]> body(String gateway, String id, String side) {
        if (get(gateway, id).isEmpty()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(bodyKey(id))).item();
        if (item == null || !item.containsKey(side)) {
            return Optional.empty();
        }
        return Optional.of(item.get(side).b().asByteArray());
    }

    static String partition(String gateway, String id) {
        return "LOG#" + gateway + "#" + DAY.format(Instant.ofEpochMilli(LogIds.timestamp(id))) + "#"
                + LogIds.shard(id, SHARDS);
    }

    private static boolean expired(Map<String, AttributeValue> item) {
        AttributeValue exp = item.get(TableSchema.EXPIRES_AT);
        return exp != null && Long.parseLong(exp.n()) <= Instant.now().getEpochSecond();
    }

    public static Map<String, AttributeValue> toItem(RequestLog log, String day) {
        Map<String, AttributeValue> item = new HashMap<>(40);
        item.put(TableSchema.PK, s("LOG#" + log.gateway() + "#" + day + "#" + LogIds.shard(log.id(), SHARDS)));
        item.put(TableSchema.SK, s(log.id()));
        item.put(TableSchema.EXPIRES_AT, n(log.expiresAt()));
        item.put("created_at", n(log.createdAt()));
        item.put("gateway", s(log.gateway()));
        putIfPresent(item, "provider", log.provider());
        putIfPresent(item, "model", log.model());
        item.put("method", s(log.method()));
        item.put("path", s(log.path()));
        item.put("status_code", n(log.statusCode()));
        item.put("success", AttributeValue.fromBool(log.success()));
        item.put("cached", AttributeValue.fromBool(log.cached()));
        item.put("stream", AttributeValue.fromBool(log.stream()));
        item.put("duration", n(log.duration()));
        item.put("time_to_first_byte", n(log.timeToFirstByte()));
        item.put("upstream_duration", n(log.upstreamDuration()));
        if (log.tokensIn() != null) {
            item.put("tokens_in", n(log.tokensIn()));
        }
        if (log.tokensOut() != null) {
            item.put("tokens_out", n(log.tokensOut()));
        }
        if (!log.metadata().isEmpty()) {
            Map<String, AttributeValue> meta = new LinkedHashMap<>();
            log.metadata().forEach((k, v) -> meta.put(k, switch (v) {
                case Boolean b -> AttributeValue.fromBool(b);
                case Number num -> AttributeValue.fromN(num.toString());
                default -> s(v.toString());
            }));
            item.put("metadata", AttributeValue.fromM(meta));
        }
        putIfPresent(item, "event_id", log.eventId());
        putIfPresent(item, "user_agent", log.userAgent());
        item.put("request_size", n(log.requestSize()));
        item.put("response_size", n(log.responseSize()));
        putIfPresent(item, "request_head", log.requestHead());
        putIfPresent(item, "response_head", log.responseHead());
        item.put("attempts", n(log.attempts()));
        if (log.errorCode() != null) {
            item.put("error_code", n(log.errorCode()));
        }
        putIfPresent(item, "outcome", log.outcome());
        if (log.step() != null) {
            item.put("step", n(log.step()));
        }
        if (!log.failedSteps().isEmpty()) {
            item.put("failed_steps", AttributeValue.fromL(log.failedSteps().stream().map(i -> n(i)).toList()));
        }
        putIfPresent(item, "cache_note", log.cacheNote());
        if (log.cost() != null) {
            item.put("cost", AttributeValue.fromN(decimal(log.cost())));
        }
        if (log.costSaved() != null) {
            item.put("cost_saved", AttributeValue.fromN(decimal(log.costSaved())));
        }
        if (log.costEstimated()) {
            item.put("cost_estimated", AttributeValue.fromBool(true));
        }
        if (log.feedback() != null) {
            item.put("feedback", n(log.feedback()));
        }
        if (log.score() != null) {
            item.put("score", AttributeValue.fromN(decimal(log.score())));
        }
        return item;
    }

    static RequestLog fromItem(Map<String, AttributeValue> item) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        AttributeValue meta = item.get("metadata");
        if (meta != null && meta.hasM()) {
            meta.m().forEach((k, v) -> metadata.put(k, v.bool() != null ? v.bool()
                    : v.n() != null ? new BigDecimal(v.n()) : v.s()));
        }
        return new RequestLog(
                item.get(TableSchema.SK).s(),
                num(item, "created_at"),
                str(item, "gateway"),
                str(item, "provider"),
                str(item, "model"),
                str(item, "method"),
                str(item, "path"),
                (int) num(item, "status_code"),
                bool(item, "success"),
                bool(item, "cached"),
                bool(item, "stream"),
                num(item, "duration"),
                num(item, "time_to_first_byte"),
                num(item, "upstream_duration"),
                item.containsKey("tokens_in") ? num(item, "tokens_in") : null,
                item.containsKey("tokens_out") ? num(item, "tokens_out") : null,
                metadata,
                str(item, "event_id"),
                str(item, "user_agent"),
                num(item, "request_size"),
                num(item, "response_size"),
                str(item, "request_head"),
                str(item, "response_head"),
                (int) num(item, "attempts"),
                item.containsKey("error_code") ? (int) num(item, "error_code") : null,
                str(item, "outcome"),
                item.containsKey("step") ? (int) num(item, "step") : null,
                item.containsKey("failed_steps")
                        ? item.get("failed_steps").l().stream().map(v -> Integer.parseInt(v.n())).toList() : List.of(),
                str(item, "cache_note"),
                dbl(item, "cost"),
                dbl(item, "cost_saved"),
                bool(item, "cost_estimated"),
                item.containsKey("feedback") ? (int) num(item, "feedback") : null,
                dbl(item, "score"),
                num(item, TableSchema.EXPIRES_AT));
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null && !value.isEmpty()) {
            item.put(name, s(value));
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? -1 : Long.parseLong(v.n());
    }

    private static Double dbl(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? null : Double.valueOf(v.n());
    }

    /** Plain decimal notation (DynamoDB numbers take no exponent beyond its range; 12 decimals keep micro-cents). */
    static String decimal(double value) {
        return new BigDecimal(value).setScale(12, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static boolean bool(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }
}
