package io.aigateway.config;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random gateway ids cost bounded memory and bounded store reads (counted by StoreStats on DynamoDB Local). */
class SettingsCacheBoundsTest {
    private final String table = DynamoDbLocal.newTable();
    private final StoreStats stats = new StoreStats();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void close() throws Exception {
        background.shutdownNow();
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private DynamoDbClient client(ExecutionInterceptor... extra) {
        ClientOverrideConfiguration.Builder o = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(Duration.ofSeconds(10)).addExecutionInterceptor(stats);
        for (ExecutionInterceptor i : extra) {
            o.addExecutionInterceptor(i);
        }
        DynamoDbClient c = DynamoDbClient.builder().httpClient(AwsClients.httpClient())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(o.build()).build();
        closing.add(c);
        return c;
    }

    private long getItems() {
        StoreStats.Snapshot s = stats.snapshot().get("GetItem");
        return s == null ? 0 : s.calls();
    }

    private static GatewaySettings stored(String id) {
        return GatewaySettings.defaults(id, Map.of()).merge(Json.MAPPER.createObjectNode().put("authentication", true), 1);
    }

    @Test
    void thousandsOfRandomIdsCostBoundedMemoryAndReads() {
        SettingsStore store = new DynamoSettingsStore(client(), table, Map.of());
        for (int i = 0; i < 3; i++) {
            store.put(stored("real-" + i));
        }
        GatewayConfig config = GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", table));
        SettingsCache cache = new SettingsCache(store, config, background, 5_000,
                new SettingsCache.Limits(100, 50, TimeUnit.HOURS.toNanos(1), 10, 20), now::get);
        for (int i = 0; i < 3; i++) {
            assertTrue(cache.get("real-" + i).settings().authentication());
        }
        assertEquals(3, getItems());

        int refused = 0;
        for (int i = 0; i < 5_000; i++) {
            try {
                SettingsCache.Lookup l = cache.get("random-" + UUID.randomUUID());
                assertFalse(l.settings().authentication());
            } catch (GatewayException e) {
                assertEquals(ErrorCode.SETTINGS_UNAVAILABLE, e.code());
                refused++;
            }
        }
        assertEquals(3 + 17, getItems(), "the burst (20, 3 of it spent above), then no read without budget");
        assertEquals(5_000 - 17, refused, "refused with 503, never served on assumed defaults");
        assertTrue(cache.cachedEntries() <= 3 + 50, "bounded: " + cache.cachedEntries());

        // random ids never push a configured gateway out: still answered from memory, no read
        for (int i = 0; i < 3; i++) {
            assertTrue(cache.get("real-" + i).settings().authentication());
        }
        assertEquals(20, getItems());

        now.addAndGet(TimeUnit.SECONDS.toNanos(1)); // the budget refills at 10 a second
        for (int i = 0; i < 1_000; i++) {
            try {
                cache.get("later-" + UUID.randomUUID());
            } catch (GatewayException e) {
                assertEquals(ErrorCode.SETTINGS_UNAVAILABLE, e.code());
            }
        }
        assertEquals(30, getItems());
        assertTrue(cache.cachedEntries() <= 3 + 50, "bounded: " + cache.cachedEntries());

        // and by age: after the idle time every entry has left, a configured gateway is read again
        now.addAndGet(TimeUnit.HOURS.toNanos(2));
        assertTrue(cache.get("real-0").settings().authentication());
        assertEquals(31, getItems());
    }

    @Test
    void concurrentFirstLookupsOfOneGatewayShareOneRead() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutionInterceptor slow = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        new DynamoSettingsStore(client(), table, Map.of()).put(stored("busy"));
        long before = getItems();
        SettingsStore store = new DynamoSettingsStore(client(slow), table, Map.of());
        SettingsCache cache = new SettingsCache(store, GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", table)),
                background, 5_000);
        List<Future<SettingsCache.Lookup>> lookups = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                lookups.add(callers.submit(() -> cache.get("busy")));
            }
            Thread.sleep(300); // all 50 are waiting on the one read
            release.countDown();
            for (Future<SettingsCache.Lookup> f : lookups) {
                assertTrue(f.get(10, TimeUnit.SECONDS).settings().authentication());
            }
        }
        assertEquals(before + 1, getItems(), "one read for 50 concurrent first requests");
    }

    @Test
    void anUnconfiguredIdIsRememberedAndRefreshedWithinTheBudget() {
        SettingsStore store = new DynamoSettingsStore(client(), table, Map.of());
        SettingsCache cache = new SettingsCache(store, GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", table)),
                background, 1_000, new SettingsCache.Limits(100, 50, TimeUnit.HOURS.toNanos(1), 10, 20), now::get);
        for (int i = 0; i < 100; i++) {
            assertFalse(cache.get("plain").settings().configured());
        }
        assertEquals(1, getItems(), "negative caching: one read for a repeated unconfigured id");
        store.put(stored("plain"));
        cache.invalidate("plain");
        assertTrue(cache.get("plain").settings().configured(), "an admin change through this instance shows at once");
    }
}
