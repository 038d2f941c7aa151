package io.aigateway.ratelimit;

import io.aigateway.config.RateLimitTechnique;
import io.aigateway.config.RuleScope;
import io.aigateway.core.Hashing;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate-limit counters in the gateway's one DynamoDB table, shared by every Lambda instance: each request is one
 * atomic conditional {@code UpdateItem}, so N instances together allow exactly the limit, never N times it.
 *
 * <p>Windows are clock-aligned (epoch seconds divisible by the interval). One item per scope and window:
 * <pre>
 *   pk = RL#{gateway}#{scope}#{windowStart}   sk = "w"   c = requests counted   expiresAt = windowEnd + interval
 * </pre>
 * where {@code scope} is built by {@link #gatewayScope} or {@link #clientScope} (a client's IP, header or metadata
 * value only ever appears as a SHA-256 hex digest).
 *
 * <ul>
 *   <li><b>fixed</b>: {@code ADD c :one SET expiresAt = if_not_exists(expiresAt, :exp)} on condition
 *       {@code attribute_not_exists(c) OR c < :limit}. A failed condition is the refusal; refused requests are not
 *       counted.</li>
 *   <li><b>sliding</b>: the previous window's count weighs in by how much of it still overlaps the last interval:
 *       allowed while {@code prev * (1 - elapsed/W) + cur < limit}. The previous window is read once per instance
 *       and window ({@code GetItem}, then kept in memory: a closed window never changes), and the current window is
 *       incremented on condition {@code c < :allowed}, {@code allowed = ceil(limit - prev * (1 - elapsed/W))}.
 *       When the previous window alone already fills the limit, no write is made.</li>
 * </ul>
 *
 * <p>Store failures (any SDK exception other than the failed condition) are thrown to the caller, which decides
 * between failing open and closed.
 */
public final class RateLimiter implements RateCounters {
    static final String SORT_KEY = "w";
    static final String COUNT = "c";
    /** A window this long after its end is taken as closed for good (clock skew between instances). */
    static final long CLOSE_GRACE_MILLIS = 1_000;
    private static final int MAX_CACHED_WINDOWS = 10_000;

    /**
     * The outcome of one check.
     *
     * @param allowed           whether the request fits (and was counted)
     * @param limit             requests per interval
     * @param remaining         requests still allowed in the current window after this one (0 when refused)
     * @param resetSeconds      seconds until the current window ends ({@code RateLimit-Reset}); at least 1
     * @param retryAfterSeconds when refused: seconds until a request would fit again; at least 1. 0 when allowed
     * @param pk                the counter item this check used (for a refund)
     */
    public record Decision(boolean allowed, int limit, long remaining, long resetSeconds, long retryAfterSeconds,
                           String pk) {
    }

    private record ClosedWindow(long count, long forgetAtMillis) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final Map<String, ClosedWindow> closedWindows = new ConcurrentHashMap<>();

    public RateLimiter(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** The scope of a gateway-wide limit. */
    public static String gatewayScope(int interval, RateLimitTechnique technique) {
        return "gateway:" + interval + ":" + technique.label();
    }

    /**
     * The scope of a per-client rule ({@code ip}, {@code header:<name>}, {@code metadata:<key>}) for one client's
     * value: the value is hashed with the gateway and rule scope, so no IP, user id or key lands in a table key and
     * equal values on two gateways do not share a digest. A null value (the request has none) is the rule's one
     * shared counter, {@value #NO_VALUE}, which no digest can equal.
     */
    public static String clientScope(String gatewayId, RuleScope ruleScope, String value, int interval,
                                     RateLimitTechnique technique) {
        String label = ruleScope.label();
        String key = value == null ? NO_VALUE : Hashing.sha256Hex(gatewayId + "\u0000" + label + "\u0000" + value);
        return label + "=" + key + ":" + interval + ":" + technique.label();
    }

    /** The counter of requests that carry no value for a rule's scope. */
    static final String NO_VALUE = "none";

    static String pk(String gatewayId, String scope, long windowStartSeconds) {
        return io.aigateway.store.Keys.rateLimit(gatewayId, scope, windowStartSeconds);
    }

    /**
     * Counts one request against {@code limit} per {@code intervalSeconds} for {@code scope} of {@code gatewayId}.
     *
     * @throws software.amazon.awssdk.core.exception.SdkException when the store fails
     */
    @Override
    public Decision acquire(String gatewayId, String scope, int limit, int intervalSeconds, RateLimitTechnique technique) {
        if (limit < 1 || intervalSeconds < 1) {
            throw new IllegalArgumentException("limit and interval must be positive");
        }
        long nowMillis = clock.millis();
        long windowMillis = intervalSeconds * 1000L;
        long windowStartMillis = Math.floorDiv(nowMillis, windowMillis) * windowMillis;
        long windowStart = windowStartMillis / 1000;
        long windowEndMillis = windowStartMillis + windowMillis;
        long resetSeconds = ceilSeconds(windowEndMillis - nowMillis);
        String pk = pk(gatewayId, scope, windowStart);
        long expiresAt = windowStart + 2L * intervalSeconds; // window end + interval: the next window still reads it

        if (technique == RateLimitTechnique.FIXED) {
            Long count = increment(pk, limit, expiresAt);
            if (count == null) {
                return new Decision(false, limit, 0, resetSeconds, resetSeconds, pk);
            }
            return new Decision(true, limit, Math.max(0, limit - count), resetSeconds, 0, pk);
        }

        long elapsedMillis = nowMillis - windowStartMillis;
        double weight = 1.0 - (double) elapsedMillis / windowMillis;
        long previous = previousCount(pk(gatewayId, scope, windowStart - intervalSeconds), elapsedMillis,
                windowEndMillis);
        long allowed = (long) Math.ceil(limit - previous * weight - 1e-9);
        if (allowed <= 0) {
            // The previous window alone fills the limit, and did so since this window began (its weight only
            // shrinks), so nothing was counted here yet: refused without a write.
            return new Decision(false, limit, 0, resetSeconds,
                    slidingRetry(limit, previous, 0, nowMillis, windowStartMillis, windowMillis), pk);
        }
        Long count = increment(pk, allowed, expiresAt);
        if (count == null) {
            // Refused: the window holds `allowed` requests. It cannot hold more: the allowance only grows while a
            // window runs (the previous window's weight shrinks), so every earlier increment had at most this one.
            return new Decision(false, limit, 0, resetSeconds,
                    slidingRetry(limit, previous, allowed, nowMillis, windowStartMillis, windowMillis), pk);
        }
        return new Decision(true, limit, Math.max(0, allowed - count), resetSeconds, 0, pk);
    }

    /**
     * Gives back one request counted by an allowed {@link Decision} (another limit refused the request, so it never
     * ran). Never takes a counter below zero and never creates an item.
     */
    @Override
    public void refund(Decision decision) {
        if (!decision.allowed()) {
            return;
        }
        try {
            dynamo.updateItem(b -> b.tableName(table)
                    .key(key(decision.pk()))
                    .updateExpression("ADD #c :minus")
                    .conditionExpression("#c > :zero")
                    .expressionAttributeNames(Map.of("#c", COUNT))
                    .expressionAttributeValues(Map.of(
                            ":minus", AttributeValue.fromN("-1"),
                            ":zero", AttributeValue.fromN("0"))));
        } catch (ConditionalCheckFailedException alreadyZero) {
            // nothing to give back
        }
    }

    /** Adds one to the window's counter if it is below {@code below}: the new count, or null when it is not. */
    private Long increment(String pk, long below, long expiresAt) {
        try {
            UpdateItemResponse response = dynamo.updateItem(b -> b.tableName(table)
                    .key(key(pk))
                    .updateExpression("ADD #c :one SET #e = if_not_exists(#e, :exp)")
                    .conditionExpression("attribute_not_exists(#c) OR #c < :limit")
                    .expressionAttributeNames(Map.of("#c", COUNT, "#e", TableSchema.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(
                            ":one", AttributeValue.fromN("1"),
                            ":exp", AttributeValue.fromN(Long.toString(expiresAt)),
                            ":limit", AttributeValue.fromN(Long.toString(below))))
                    .returnValues(ReturnValue.UPDATED_NEW));
            AttributeValue c = response.attributes().get(COUNT);
            return c == null ? 1L : Long.parseLong(c.n());
        } catch (ConditionalCheckFailedException over) {
            return null;
        }
    }

    /** The previous window's final count: read once, then kept until the current window ends. */
    private long previousCount(String pk, long elapsedMillis, long windowEndMillis) {
        long nowMillis = clock.millis();
        ClosedWindow cached = closedWindows.get(pk);
        if (cached != null && cached.forgetAtMillis() > nowMillis) {
            return cached.count();
        }
        GetItemResponse item = dynamo.getItem(b -> b.tableName(table).key(key(pk)).consistentRead(true)
                .projectionExpression("#c").expressionAttributeNames(Map.of("#c", COUNT)));
        AttributeValue c = item.hasItem() ? item.item().get(COUNT) : null;
        long count = c == null ? 0 : Long.parseLong(c.n());
        if (elapsedMillis >= CLOSE_GRACE_MILLIS) {
            remember(pk, new ClosedWindow(count, windowEndMillis));
        }
        return count;
    }

    private void remember(String pk, ClosedWindow window) {
        if (closedWindows.size() >= MAX_CACHED_WINDOWS) {
            long now = clock.millis();
            for (Iterator<ClosedWindow> it = closedWindows.values().iterator(); it.hasNext(); ) {
                if (it.next().forgetAtMillis() <= now) {
                    it.remove();
                }
            }
            if (closedWindows.size() >= MAX_CACHED_WINDOWS) {
                closedWindows.clear(); // many distinct clients in one window: a re-read costs one GetItem each
            }
        }
        closedWindows.put(pk, window);
    }

    /**
     * Sliding window: seconds until {@code previous * (1 - t/W) + current < limit} holds again (t: time into the
     * window), where {@code current} is what the current window holds now. When the current window alone fills the
     * limit, that is in the next window, once this one has slid out far enough:
     * {@code windowEnd + W * (1 - limit / current)}. Rounded up, strictly after, at least 1.
     */
    static long slidingRetry(int limit, long previous, long current, long nowMillis, long windowStartMillis,
                             long windowMillis) {
        double fitAtMillis;
        if (current >= limit || previous <= 0) {
            fitAtMillis = windowStartMillis + windowMillis
                    + windowMillis * Math.max(0.0, 1.0 - (double) limit / Math.max(1, current));
        } else {
            fitAtMillis = windowStartMillis + windowMillis * (1.0 - (double) (limit - current) / previous);
        }
        return ceilSeconds((long) Math.ceil(fitAtMillis) - nowMillis + 1);
    }

    private static long ceilSeconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS(SORT_KEY));
    }

}
