package io.aigateway.log;

import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
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
    private static final String BODY_PREFIX = "LOGBODY#";
    /** The attribute that marks a deleted log's tombstone. */
    private static final String DELETED = "deleted";
    /** Feedback for a log not ingested yet is kept this long (ms after the log's own time) waiting for it. */
    private static final long PENDING_WINDOW_MS = 86_400_000L;
    /** Days already recorded in the day index: one extra write per gateway per day per process. */
    private final Set<String> indexedDays = ConcurrentHashMap.newKeySet();

    public LogStore(DynamoDbClient dynamo, String table, ExecutorService executor) {
        this.dynamo = dynamo;
        this.table = table;
        this.executor = executor;
    }

    /**
     * Stores a log unless an item with its key is already there: a re-delivered record never overwrites feedback
     * given since, nor brings back a log deleted by filter (deletion leaves a tombstone until the log expires).
     *
     * @return false when the log (or its tombstone) was already there
     */
    public boolean putIfAbsent(RequestLog log) {
        String day = DAY.format(Instant.ofEpochMilli(log.createdAt()));
        try {
            dynamo.putItem(b -> b.tableName(table).item(toItem(log, day))
                    .conditionExpression("attribute_not_exists(#sk)")
                    .expressionAttributeNames(Map.of("#sk", TableSchema.SK)));
            return true;
        } catch (ConditionalCheckFailedException already) {
            return false;
        }
    }

    /** Ids among {@code logs} that already have an item (a stored log or a tombstone): BatchGetItem, keys only. */
    public Set<String> existingIds(List<RequestLog> logs) {
        Set<String> found = new java.util.HashSet<>();
        for (int i = 0; i < logs.size(); i += 100) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (RequestLog log : logs.subList(i, Math.min(logs.size(), i + 100))) {
                keys.add(Map.of(TableSchema.PK, s(partition(log.gateway(), log.id())), TableSchema.SK, s(log.id())));
            }
            Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).projectionExpression("#sk")
                    .expressionAttributeNames(Map.of("#sk", TableSchema.SK)).build());
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                if (attempt > 0) {
                    io.aigateway.store.BatchWrites.backoff(attempt);
                }
                if (attempt > 8) {
                    throw new IllegalStateException("keys still unprocessed after " + attempt + " BatchGetItem calls");
                }
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse r = dynamo.batchGetItem(b -> b.requestItems(request));
                r.responses().getOrDefault(table, List.of()).forEach(item -> found.add(item.get(TableSchema.SK).s()));
                pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
            }
        }
        return found;
    }

    /**
     * Writes logs in BatchWriteItem calls. When DynamoDB rejects a whole call as invalid, each log of it is written
     * alone, so one bad item cannot cost its neighbours. Returns the logs rejected even alone.
     */
    public List<RequestLog> putAll(List<RequestLog> logs) {
        List<RequestLog> rejected = new ArrayList<>();
        for (int i = 0; i < logs.size(); i += 25) {
            List<RequestLog> chunk = logs.subList(i, Math.min(logs.size(), i + 25));
            List<WriteRequest> writes = new ArrayList<>(chunk.size());
            for (RequestLog log : chunk) {
                Map<String, AttributeValue> item = toItem(log, DAY.format(Instant.ofEpochMilli(log.createdAt())));
                writes.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            }
            try {
                io.aigateway.store.BatchWrites.write(dynamo, table, writes);
            } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                if (!invalid(e)) {
                    throw e;
                }
                for (RequestLog log : chunk) {
                    try {
                        putIfAbsent(log);
                    } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException alone) {
                        if (!invalid(alone)) {
                            throw alone;
                        }
                        rejected.add(log);
                    }
                }
            }
        }
        return rejected;
    }

    /** One part of a log's compressed body (see io.aigateway.ingest.RecordFormat). */
    public record BodyPart(String id, String side, int part, int parts, byte[] gzip, long expiresAt) {
        Map<String, AttributeValue> item() {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(TableSchema.PK, s(BODY_PREFIX + id));
            item.put(TableSchema.SK, s(side + "#" + String.format("%04d", part)));
            item.put("parts", n(parts));
            item.put("data", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(gzip)));
            item.put(TableSchema.EXPIRES_AT, n(expiresAt));
            return item;
        }
    }

    /**
     * Writes body parts in BatchWriteItem calls (writing one again is harmless: same key, same bytes); when DynamoDB
     * rejects a call as invalid, each part of it is written alone. Returns the parts rejected even alone.
     */
    public List<BodyPart> putBodyParts(List<BodyPart> parts) {
        List<BodyPart> rejected = new ArrayList<>();
        for (int i = 0; i < parts.size(); i += 25) {
            List<BodyPart> chunk = parts.subList(i, Math.min(parts.size(), i + 25));
            List<WriteRequest> writes = new ArrayList<>(chunk.size());
            for (BodyPart part : chunk) {
                Map<String, AttributeValue> item = part.item();
                writes.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            }
            try {
                io.aigateway.store.BatchWrites.write(dynamo, table, writes);
            } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                if (!invalid(e)) {
                    throw e;
                }
                for (BodyPart part : chunk) {
                    try {
                        dynamo.putItem(b -> b.tableName(table).item(part.item()));
                    } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException alone) {
                        if (!invalid(alone)) {
                            throw alone;
                        }
                        rejected.add(part);
                    }
                }
            }
        }
        return rejected;
    }

    private static boolean invalid(software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
        return e.statusCode() == 400 && e.awsErrorDetails() != null
                && "ValidationException".equals(e.awsErrorDetails().errorCode());
    }

    /** Records that {@code gateway} holds logs of {@code day} (listings read only such days). */
    public void indexDay(String gateway, long createdAtMillis) {
        String day = DAY.format(Instant.ofEpochMilli(createdAtMillis));
        String key = gateway + "#" + day;
        if (indexedDays.contains(key)) {
            return;
        }
        dynamo.updateItem(b -> b.tableName(table)
                .key(Map.of(TableSchema.PK, s("LOGDAYS#" + gateway), TableSchema.SK, s("days")))
                .updateExpression("ADD #days :day")
                .expressionAttributeNames(Map.of("#days", "days"))
                .expressionAttributeValues(Map.of(":day", AttributeValue.fromSs(List.of(day)))));
        if (indexedDays.size() > 10_000) {
            indexedDays.clear(); // bounded: forgetting costs one idempotent update more
        }
        indexedDays.add(key);
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
        if (item == null || item.isEmpty() || expired(item) || item.containsKey(DELETED)) {
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
            String pk = Keys.logs(q.gateway(), day, shard);
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
        names.put("#deleted", DELETED);
        List<String> filters = new ArrayList<>(List.of("#exp > :now", "attribute_not_exists(#deleted)"));
        LogQuery.Filters f = q.filters();
        eq(filters, names, values, "provider", f.provider() == null ? null : s(f.provider()));
        eq(filters, names, values, "model", f.model() == null ? null : s(f.model()));
        eq(filters, names, values, "status_code", f.statusCode() == null ? null : n(f.statusCode()));
        eq(filters, names, values, "success", f.success() == null ? null : AttributeValue.fromBool(f.success()));
        eq(filters, names, values, "event_id", f.eventId() == null ? null : s(f.eventId()));
        eq(filters, names, values, "key_id", f.keyId() == null ? null : s(f.keyId()));
        eq(filters, names, values, "feedback", f.feedback() == null ? null : n(f.feedback()));
        eq(filters, names, values, "dlp_action", f.dlpAction() == null ? null : s(f.dlpAction()));
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
        for (QueryResponse page : dynamo.queryPaginator(request.build())) {
            for (Map<String, AttributeValue> item : page.items()) {
                if (!item.get(TableSchema.SK).s().equals(q.beforeId())) {
                    out.add(fromItem(item));
                }
            }
            if (out.size() >= want) {
                break; // the paginator asks for the next page only when iterated on
            }
        }
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

    /** What a PATCH did: applied to the stored log, held until the log is ingested, or nothing to apply it to. */
    public enum PatchOutcome { APPLIED, PENDING, NOT_FOUND }

    /**
     * Applies feedback to a log. Logs reach the store through the ingest, seconds after their request; feedback for
     * a log not stored yet (but recent enough to be on its way) is held in a pending item that the ingest merges
     * when the log arrives. The order of writes (pending item first, then a second try on the log; the ingest
     * stores the log first, then reads pending items) leaves no interleaving in which the feedback is lost.
     */
    public PatchOutcome patch(String gateway, String id, Integer feedback, Double score, Map<String, Object> metadata) {
        if (!LogIds.isValid(id)) {
            return PatchOutcome.NOT_FOUND;
        }
        Feedback fb = new Feedback(feedback, score, metadata);
        if (fb.isEmpty() || applyFeedback(gateway, id, fb)) {
            return get(gateway, id).isPresent() ? PatchOutcome.APPLIED : PatchOutcome.NOT_FOUND;
        }
        long age = System.currentTimeMillis() - LogIds.timestamp(id);
        if (age > PENDING_WINDOW_MS || age < -60_000) {
            return PatchOutcome.NOT_FOUND;
        }
        Map<String, AttributeValue> item = new HashMap<>(fb.attributes());
        item.put(TableSchema.PK, s(Keys.pendingFeedback(gateway)));
        item.put(TableSchema.SK, s(id));
        item.put(TableSchema.EXPIRES_AT, n(LogIds.timestamp(id) / 1000 + PENDING_WINDOW_MS / 1000 * 2));
        dynamo.putItem(b -> b.tableName(table).item(item));
        if (applyFeedback(gateway, id, fb)) {
            deletePending(gateway, id);
            return PatchOutcome.APPLIED;
        }
        return PatchOutcome.PENDING;
    }

    /** Feedback fields of a PATCH; null where the PATCH left a field alone. */
    record Feedback(Integer feedback, Double score, Map<String, Object> metadata) {
        boolean isEmpty() {
            return feedback == null && score == null && metadata == null;
        }

        Map<String, AttributeValue> attributes() {
            Map<String, AttributeValue> a = new HashMap<>();
            if (feedback != null) {
                a.put("feedback", n(feedback));
            }
            if (score != null) {
                a.put("score", AttributeValue.fromN(decimal(score)));
            }
            if (metadata != null) {
                a.put("metadata", metadataValue(metadata));
            }
            return a;
        }

        static Feedback of(Map<String, AttributeValue> item) {
            AttributeValue f = item.get("feedback");
            AttributeValue sc = item.get("score");
            AttributeValue m = item.get("metadata");
            return new Feedback(f == null ? null : Integer.valueOf(f.n()), sc == null ? null : Double.valueOf(sc.n()),
                    m == null ? null : metadataOf(m));
        }
    }

    /** Sets the feedback fields on a stored, live log; false when there is none (yet). */
    private boolean applyFeedback(String gateway, String id, Feedback fb) {
        Map<String, AttributeValue> attrs = fb.attributes();
        if (attrs.isEmpty()) {
            return true;
        }
        Map<String, String> names = new HashMap<>(Map.of("#sk", TableSchema.SK, "#deleted", DELETED));
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> sets = new ArrayList<>();
        attrs.forEach((k, v) -> {
            names.put("#" + k, k);
            values.put(":" + k, v);
            sets.add("#" + k + " = :" + k);
        });
        try {
            dynamo.updateItem(b -> b.tableName(table)
                    .key(Map.of(TableSchema.PK, s(partition(gateway, id)), TableSchema.SK, s(id)))
                    .updateExpression("SET " + String.join(", ", sets))
                    .conditionExpression("attribute_exists(#sk) AND attribute_not_exists(#deleted)")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException absent) {
            return false;
        }
    }

    /**
     * Merges feedback that was given before these logs arrived (called by the ingest after it stored them).
     * One Query per gateway; nothing else when no feedback is pending.
     */
    public int mergePendingFeedback(String gateway, Set<String> storedIds) {
        int merged = 0;
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, Keys.pendingFeedback(gateway), true)) {
            String id = item.get(TableSchema.SK).s();
            if (storedIds.contains(id) && applyFeedback(gateway, id, Feedback.of(item))) {
                deletePending(gateway, id);
                merged++;
            }
        }
        return merged;
    }

    private void deletePending(String gateway, String id) {
        dynamo.deleteItem(b -> b.tableName(table)
                .key(Map.of(TableSchema.PK, s(Keys.pendingFeedback(gateway)), TableSchema.SK, s(id))));
    }

    /**
     * Deletes up to {@code max} logs matching the query. Each log becomes a tombstone (its key and expiry only) until
     * it would have expired anyway, so a late re-delivery of its record cannot bring it back; its body parts are
     * deleted. Returns how many were deleted and whether more match.
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
                Map<String, AttributeValue> tombstone = new HashMap<>(Map.of(
                        TableSchema.PK, s(partition(log.gateway(), log.id())), TableSchema.SK, s(log.id()),
                        DELETED, AttributeValue.fromBool(true), TableSchema.EXPIRES_AT, n(log.expiresAt())));
                writes.add(WriteRequest.builder().putRequest(p -> p.item(tombstone)).build());
                for (String side : List.of("request", "response")) {
                    writes.add(WriteRequest.builder().deleteRequest(d -> d.key(Map.of(
                            TableSchema.PK, s(BODY_PREFIX + log.id()), TableSchema.SK, s(side + "#0000")))).build());
                }
            }
            for (int i = 0; i < writes.size(); i += 24) {
                io.aigateway.store.BatchWrites.write(dynamo, table, writes.subList(i, Math.min(writes.size(), i + 24)));
            }
            deleted += page.logs().size();
            if (page.nextCursor() == null) {
                return new Deleted(deleted, false);
            }
        }
        return new Deleted(deleted, true);
    }

    // ---- bodies: compressed, in part items of their own (pk LOGBODY#{id}, sk {side}#{part}) ----

    /** The stored body of one side ("request" or "response"), still gzip-compressed; empty when incomplete. */
    public Optional<byte[]> body(String gateway, String id, String side) {
        if (get(gateway, id).isEmpty()) {
            return Optional.empty();
        }
        List<Map<String, AttributeValue>> items = dynamo.query(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :side)")
                .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#sk", TableSchema.SK))
                .expressionAttributeValues(Map.of(":pk", s(BODY_PREFIX + id), ":side", s(side + "#")))).items();
        if (items.isEmpty() || items.size() != Integer.parseInt(items.get(0).get("parts").n())) {
            return Optional.empty();
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Map<String, AttributeValue> item : items) {
            out.writeBytes(item.get("data").b().asByteArray());
        }
        return Optional.of(out.toByteArray());
    }

    static String partition(String gateway, String id) {
        return Keys.logs(gateway, DAY.format(Instant.ofEpochMilli(LogIds.timestamp(id))), LogIds.shard(id, SHARDS));
    }

    private static boolean expired(Map<String, AttributeValue> item) {
        AttributeValue exp = item.get(TableSchema.EXPIRES_AT);
        return exp != null && Long.parseLong(exp.n()) <= Instant.now().getEpochSecond();
    }

    public static Map<String, AttributeValue> toItem(RequestLog log, String day) {
        Map<String, AttributeValue> item = new HashMap<>(40);
        item.put(TableSchema.PK, s(Keys.logs(log.gateway(), day, LogIds.shard(log.id(), SHARDS))));
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
        if (log.tokensCached() != null) {
            item.put("tokens_cached", n(log.tokensCached()));
        }
        if (log.tokensCacheWrite() != null) {
            item.put("tokens_cache_write", n(log.tokensCacheWrite()));
        }
        if (log.tokensReasoning() != null) {
            item.put("tokens_reasoning", n(log.tokensReasoning()));
        }
        if (!log.metadata().isEmpty()) {
            item.put("metadata", metadataValue(log.metadata()));
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
        putIfPresent(item, "blocked_by", log.blockedBy());
        putIfPresent(item, "key_id", log.keyId());
        if (!log.annotations().isEmpty()) {
            Map<String, AttributeValue> notes = new HashMap<>();
            log.annotations().forEach((k, v) -> notes.put(k, s(v)));
            item.put("annotations", AttributeValue.fromM(notes));
        }
        putIfPresent(item, "requested_model", log.requestedModel());
        putIfPresent(item, "route", log.route());
        if (log.routeVersion() != null) {
            item.put("route_version", n(log.routeVersion()));
        }
        if (!log.routePath().isEmpty()) {
            item.put("route_path", AttributeValue.fromL(log.routePath().stream().map(LogStore::s).toList()));
        }
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
        putIfPresent(item, "dlp_action", log.dlpAction());
        if (!log.dlpFindings().isEmpty()) {
            Map<String, AttributeValue> counts = new LinkedHashMap<>();
            log.dlpFindings().forEach((type, count) -> counts.put(type, n(count)));
            item.put("dlp_findings", AttributeValue.fromM(counts));
        }
        return item;
    }

    static AttributeValue metadataValue(Map<String, Object> metadata) {
        Map<String, AttributeValue> meta = new LinkedHashMap<>();
        metadata.forEach((k, v) -> meta.put(k, switch (v) {
            case Boolean b -> AttributeValue.fromBool(b);
            case BigDecimal d -> AttributeValue.fromN(d.toPlainString());
            case Number num -> AttributeValue.fromN(num.toString());
            default -> s(v.toString());
        }));
        return AttributeValue.fromM(meta);
    }

    static Map<String, Object> metadataOf(AttributeValue meta) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (meta != null && meta.hasM()) {
            meta.m().forEach((k, v) -> metadata.put(k, v.bool() != null ? v.bool()
                    : v.n() != null ? new BigDecimal(v.n()) : v.s()));
        }
        return metadata;
    }

    static RequestLog fromItem(Map<String, AttributeValue> item) {
        Map<String, Object> metadata = metadataOf(item.get("metadata"));
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
                num(item, TableSchema.EXPIRES_AT),
                item.containsKey("tokens_cached") ? num(item, "tokens_cached") : null,
                item.containsKey("tokens_cache_write") ? num(item, "tokens_cache_write") : null,
                item.containsKey("tokens_reasoning") ? num(item, "tokens_reasoning") : null,
                str(item, "blocked_by"),
                item.containsKey("annotations") ? annotations(item.get("annotations")) : Map.of(),
                str(item, "requested_model"),
                str(item, "route"),
                item.containsKey("route_version") ? (int) num(item, "route_version") : null,
                item.containsKey("route_path")
                        ? item.get("route_path").l().stream().map(AttributeValue::s).toList() : List.of(),
                str(item, "key_id"),
                str(item, "dlp_action"),
                dlpFindings(item.get("dlp_findings")));
    }

    private static Map<String, Integer> dlpFindings(AttributeValue v) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (v != null && v.hasM()) {
            v.m().forEach((type, count) -> out.put(type, Integer.parseInt(count.n())));
        }
        return out;
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
        BigDecimal d = BigDecimal.valueOf(value); // at most 17 significant digits, within DynamoDB's 38
        if (d.scale() > 12) {
            d = d.setScale(12, java.math.RoundingMode.HALF_UP);
        }
        return d.stripTrailingZeros().toPlainString();
    }

    private static boolean bool(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }

    private static Map<String, String> annotations(AttributeValue m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.m().forEach((k, v) -> out.put(k, v.s()));
        return java.util.Collections.unmodifiableMap(out);
    }
}
