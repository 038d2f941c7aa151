package io.aigateway.ratelimit;

import io.aigateway.ratelimit.RateLimiter.Decision;
import io.aigateway.config.RateLimitTechnique;
import io.aigateway.config.RuleScope;
import io.aigateway.store.StoreStats;
import io.aigateway.store.TableSchema;
import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counters themselves, on DynamoDB Local, with a clock the test moves. */
class RateLimiterTest {
    /** Divisible by 60 and 3600: the start of an aligned window. */
    private static final Instant T0 = Instant.ofEpochSecond(1_800_000_000L);

    private final String table = DynamoDbLocal.newTable();
    private final StoreStats stats = new StoreStats();
    private final DynamoDbClient dynamo = StoreClients.counting(stats);
    private final TestClock clock = new TestClock(T0);
    private final RateLimiter limiter = new RateLimiter(dynamo, table, clock);
    private final String scope = RateLimiter.gatewayScope(60, RateLimitTechnique.FIXED);

    @AfterEach
    void close() {
        dynamo.close();
    }

    private Decision fixed(int limit) {
        return limiter.acquire("g", scope, limit, 60, RateLimitTechnique.FIXED);
    }

    private Decision sliding(int limit) {
        return limiter.acquire("g", RateLimiter.gatewayScope(60, RateLimitTechnique.SLIDING), limit, 60, RateLimitTechnique.SLIDING);
    }

    private Map<String, AttributeValue> item(String pk) {
        return DynamoDbLocal.client().getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS("w")))).item();
    }

    @Test
    void fixedWindowAllowsExactlyTheLimitThenRefusesUntilTheNextAlignedWindow() {
        clock.set(T0.plusSeconds(10));
        for (int i = 1; i <= 5; i++) {
            Decision d = fixed(5);
            assertTrue(d.allowed(), "request " + i);
            assertEquals(5, d.limit());
            assertEquals(5 - i, d.remaining());
            assertEquals(50, d.resetSeconds(), "the window ends at T0+60");
            assertEquals(0, d.retryAfterSeconds());
        }
        Decision refused = fixed(5);
        assertFalse(refused.allowed());
        assertEquals(0, refused.remaining());
        assertEquals(50, refused.retryAfterSeconds());
        assertEquals(50, refused.resetSeconds());

        // the item: one counter per window, refused requests not counted, TTL one interval after the window's end
        Map<String, AttributeValue> item = item("RL#g#gateway:60:fixed#" + T0.getEpochSecond());
        assertEquals("5", item.get("c").n());
        assertEquals(Long.toString(T0.getEpochSecond() + 120), item.get(TableSchema.EXPIRES_AT).n());

        clock.set(T0.plusMillis(59_500));
        Decision stillRefused = fixed(5);
        assertFalse(stillRefused.allowed());
        assertEquals(1, stillRefused.retryAfterSeconds(), "half a second left rounds up to 1, never 0");

        clock.set(T0.plusSeconds(60));
        Decision next = fixed(5);
        assertTrue(next.allowed(), "a new aligned window starts at T0+60");
        assertEquals(4, next.remaining());
        assertEquals(60, next.resetSeconds());
        assertEquals(8, StoreClients.calls(stats, "UpdateItem"), "one UpdateItem per check");
        assertEquals(0, StoreClients.calls(stats, "GetItem"), "a fixed window never reads");
    }

    @Test
    void windowsAreAlignedToTheClockNotToTheFirstRequest() {
        clock.set(T0.plusSeconds(59));
        assertTrue(fixed(1).allowed());
        assertFalse(fixed(1).allowed());
        clock.set(T0.plusSeconds(60)); // one second later, a new window: the first request's window was T0..T0+60
        assertTrue(fixed(1).allowed());
    }

    @Test
    void slidingWindowWeighsThePreviousWindowByItsOverlap() {
        clock.set(T0.plusSeconds(30));
        for (int i = 0; i < 10; i++) {
            assertTrue(sliding(10).allowed(), "window 1, request " + (i + 1));
        }
        Decision full = sliding(10);
        assertFalse(full.allowed());
        // the current window fills the limit: it fits again just after this window ends (it then weighs 10 * ~1)
        assertEquals(31, full.retryAfterSeconds());

        // 50% into window 2: the previous window still counts 10 * 0.5 = 5, so 5 more fit
        clock.set(T0.plusSeconds(90));
        long readsBefore = StoreClients.calls(stats, "GetItem");
        List<Decision> window2 = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            window2.add(sliding(10));
        }
        assertEquals(5, window2.stream().filter(Decision::allowed).count(), window2::toString);
        assertEquals(List.of(4L, 3L, 2L, 1L, 0L), window2.subList(0, 5).stream().map(Decision::remaining).toList());
        Decision refused = window2.get(5);
        assertFalse(refused.allowed());
        assertEquals(30, refused.resetSeconds());
        // 10 * (1 - t/60) + 5 < 10 once t > 30 s: right away (rounded up to a whole second)
        assertEquals(1, refused.retryAfterSeconds());
        assertEquals(1, StoreClients.calls(stats, "GetItem") - readsBefore,
                "the closed previous window is read once, then kept in memory");

        clock.advance(Duration.ofSeconds(1)); // weight 29/60: 10 * 0.483 = 4.83, so 6 in total now fit
        assertTrue(sliding(10).allowed());
        assertFalse(sliding(10).allowed());
    }

    @Test
    void slidingWindowAtTheVeryStartRefusesWithoutAWriteWhenThePreviousWindowWasFull() {
        clock.set(T0.plusSeconds(10));
        for (int i = 0; i < 4; i++) {
            assertTrue(sliding(4).allowed());
        }
        clock.set(T0.plusSeconds(60));
        long writes = StoreClients.calls(stats, "UpdateItem");
        Decision d = sliding(4);
        assertFalse(d.allowed(), "4 * 1.0 + 0 is not below 4");
        assertEquals(1, d.retryAfterSeconds());
        assertEquals(writes, StoreClients.calls(stats, "UpdateItem"), "no write when the previous window alone fills");
        assertNull(item("RL#g#gateway:60:sliding#" + (T0.getEpochSecond() + 60)).get("c"));

        clock.set(T0.plusSeconds(75)); // 25% in: 4 * 0.75 = 3 -> 1 fits
        assertTrue(sliding(4).allowed());
        assertFalse(sliding(4).allowed());

        clock.set(T0.plusSeconds(180)); // two windows later: nothing weighs in
        for (int i = 0; i < 4; i++) {
            assertTrue(sliding(4).allowed());
        }
        assertFalse(sliding(4).allowed());
    }

    @Test
    void slidingRetryAfterIsWhenTheWeightedCountDropsBelowTheLimit() {
        // previous 10, current 6, limit 10, 60 s windows, 20 s in: 10 * (1 - t/60) < 4 once t > 36 s, i.e. 16 s
        // from now (strictly after: +1 ms, rounded up to 17)
        long start = T0.toEpochMilli();
        assertEquals(17, RateLimiter.slidingRetry(10, 10, 6, start + 20_000, start, 60_000));
        // current (12) fills the limit (10): after this window ends (40 s) plus the time for it to weigh below the
        // limit in the next: 12 * (1 - t/60) < 10 once t > 10 s
        assertEquals(40 + 10 + 1, RateLimiter.slidingRetry(10, 0, 12, start + 20_000, start, 60_000));
    }

    @Test
    void clientValuesOnlyAppearHashedInKeys() {
        String secret = "sk-live-0123456789abcdef";
        String s = RateLimiter.clientScope("g", new RuleScope.Header("x-api-key"), secret, 60, RateLimitTechnique.FIXED);
        assertFalse(s.contains(secret));
        assertTrue(s.matches("header:x-api-key=[0-9a-f]{64}:60:fixed"), s);
        assertTrue(limiter.acquire("g", s, 1, 60, RateLimitTechnique.FIXED).allowed());
        String pk = "RL#g#" + s + "#" + T0.getEpochSecond();
        assertEquals("1", item(pk).get("c").n());
        assertFalse(RateLimiter.clientScope("other", new RuleScope.Header("x-api-key"), secret, 60, RateLimitTechnique.FIXED)
                .equals(s), "the same value on another gateway gets another digest");
        assertFalse(RateLimiter.clientScope("g", new RuleScope.Header("x-api-key"), secret, 3600, RateLimitTechnique.FIXED)
                .equals(s), "limits with different intervals never share a counter");
    }

    @Test
    void refundGivesBackOneRequestButNeverGoesBelowZero() {
        Decision d = fixed(2);
        assertTrue(fixed(2).allowed());
        assertFalse(fixed(2).allowed());
        limiter.refund(d);
        assertTrue(fixed(2).allowed(), "the refunded request's place is free again");
        String pk = d.pk();
        limiter.refund(d);
        limiter.refund(d);
        limiter.refund(d);
        assertEquals("0", item(pk).get("c").n());
    }

    @Test
    void twoLimitersOnOneTableHoldTheLimitTogetherUnderConcurrency() throws Exception {
        // Two "instances": separate limiters and clients (separate connection pools), one table.
        DynamoDbClient otherClient = StoreClients.counting(new StoreStats());
        RateLimiter other = new RateLimiter(otherClient, table, clock);
        int requests = 60;
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Decision>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                RateLimiter which = i % 2 == 0 ? limiter : other;
                Callable<Decision> call = () -> {
                    go.await();
                    return which.acquire("g", scope, 20, 60, RateLimitTechnique.FIXED);
                };
                futures.add(pool.submit(call));
            }
            go.countDown();
            int allowed = 0;
            for (Future<Decision> f : futures) {
                allowed += f.get().allowed() ? 1 : 0;
            }
            assertEquals(20, allowed);
        } finally {
            otherClient.close();
        }
        assertEquals("20", item("RL#g#gateway:60:fixed#" + T0.getEpochSecond()).get("c").n());
    }
}
