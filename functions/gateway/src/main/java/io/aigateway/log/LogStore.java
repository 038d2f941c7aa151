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
        String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
        dynamo.putItem(b -> b.tableName(table).item(toItem(log, day)));
        indexDay(log.gateway(), day);
    }

    /** Up to 25 logs in one BatchWriteItem; unprocessed items are retried a few times, then reported. */
    public void writeBatch(List<RequestLog> logs) {
        List<WriteRequest> writes = new ArrayList<>(logs.size());
        for (RequestLog log : logs) {
            String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
            writes.add(WriteRequest.builder().putRequest(p -> p.item(toItem(log, day))).build());
            indexDay(log.gateway(), day);
        }
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
        if (q.provider() != null) {
            filters.add("#provider = :provider");
            names.put("#provider", "provider");
            values.put(":provider", s(q.provider()));
        }
        if (q.model() != null) {
            filters.add("#model = :model");
            names.put("#model", "model");
            values.put(":model", s(q.model()));
        }
        if (q.statusCode() != null) {
            filters.add("#status = :status");
            names.put("#status", "status_code");
            values.put(":status", n(q.statusCode()));
        }
        if (q.success() != null) {
            filters.add("#success = :success");
            names.put("#success", "success");
            values.put(":success", AttributeValue.fromBool(q.success()));
        }
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

    private static boolean bool(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }
}
