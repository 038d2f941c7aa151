package io.aigateway.cache;

import io.aigateway.core.Headers;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.store.TableSchema;
import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on DynamoDB Local, its calls counted by the gateway's own SDK interceptor (no mock). */
class CacheStoreTest {
    private static StoreStats stats;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void client() {
        stats = new StoreStats();
        dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), stats)
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
    }

    @AfterAll
    static void close() {
        dynamo.close();
    }

    private static long calls(String operation) {
        StoreStats.Snapshot s = stats.snapshot().get(operation);
        return s == null ? 0 : s.calls();
    }

    private static CacheEntry entry(String body, long ttlSeconds) {
        long now = System.currentTimeMillis();
        return new CacheEntry(200, Headers.builder().add("content-type", "application/json")
                .add("x-request-id", "r-1").add("x-request-id", "r-2").build(),
                body.getBytes(StandardCharsets.UTF_8), false, 12, 3, "gpt-4o-mini", now, now / 1000 + ttlSeconds);
    }

    @Test
    void roundTripThroughTheTableKeepsEverything() {
        String table = DynamoDbLocal.newTable();
        CacheStore writer = new CacheStore(dynamo, table, 0);
        CacheKey key = CacheKey.custom("gw", "round-trip", false);
        assertTrue(writer.put(key, entry("{\"a\":1}", 300)));
        CacheStore.Lookup got = new CacheStore(dynamo, table, 0).get(key);
        assertTrue(got.hit());
        assertEquals(CacheStore.Source.TABLE, got.source());
        CacheEntry e = got.entry();
        assertEquals(200, e.status());
        assertEquals("{\"a\":1}", new String(e.body(), StandardCharsets.UTF_8));
        assertEquals(List.of("r-1", "r-2"), e.headers().all("x-request-id"));
        assertEquals(12, e.tokensIn());
        assertEquals(3, e.tokensOut());
        assertEquals("gpt-4o-mini", e.model());

        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(Map.of(
                TableSchema.PK, AttributeValue.fromS("CACHE#gw#" + key.hex()),
                TableSchema.SK, AttributeValue.fromS("e")))).item();
        assertEquals("gzip", item.get("bodyEncoding").s());
        assertEquals(e.expiresAtSeconds(), Long.parseLong(item.get(TableSchema.EXPIRES_AT).n()));
        assertFalse(item.get("stream").bool());
        assertEquals(0x1f, item.get("body").b().asByteArray()[0] & 0xff, "gzip magic");
    }

    @Test
    void memoryHitMakesNoStoreCallAndTableHitIsOneGetItem() {
        String table = DynamoDbLocal.newTable();
        CacheKey key = CacheKey.custom("gw", "counted", false);
        new CacheStore(dynamo, table, 0).put(key, entry("{}", 300));

        CacheStore store = new CacheStore(dynamo, table, 1 << 20);
        long before = calls("GetItem");
        assertEquals(CacheStore.Source.TABLE, store.get(key).source());
        assertEquals(before + 1, calls("GetItem"));
        for (int i = 0; i < 5; i++) {
            assertEquals(CacheStore.Source.MEMORY, store.get(key).source());
        }
        assertEquals(before + 1, calls("GetItem"), "memory hits make no store call");

        long miss = calls("GetItem");
        assertFalse(store.get(CacheKey.custom("gw", "absent", false)).hit());
        assertEquals(miss + 1, calls("GetItem"));

        CacheStore noMemory = new CacheStore(dynamo, table, 0);
        noMemory.get(key);
        noMemory.get(key);
        assertEquals(miss + 3, calls("GetItem"), "memory 0: every read goes to the table");
        assertEquals(0, noMemory.memoryEntries());
    }

    @Test
    void expiredEntriesAreMissesInMemoryAndInTheTable() throws Exception {
        String table = DynamoDbLocal.newTable();
        CacheStore store = new CacheStore(dynamo, table, 1 << 20);
        CacheKey key = CacheKey.custom("gw", "expired", false);
        store.put(key, entry("{}", -1));
        assertFalse(store.get(key).hit());
        assertFalse(new CacheStore(dynamo, table, 1 << 20).get(key).hit(), "the item is still in the table, expired");

        // an entry living one second: served, then not
        CacheKey shortKey = CacheKey.custom("gw", "short", false);
        long now = System.currentTimeMillis();
        store.put(shortKey, new CacheEntry(200, Headers.empty(), new byte[]{'x'}, false, -1, -1, null, now,
                now / 1000 + 1));
        assertTrue(store.get(shortKey).hit());
        Thread.sleep(2_100 - now % 1000);
        assertFalse(store.get(shortKey).hit());
    }

    @Test
    void streamFlagAndGatewayKeepEntriesApart() {
        String table = DynamoDbLocal.newTable();
        CacheStore store = new CacheStore(dynamo, table, 1 << 20);
        store.put(CacheKey.custom("gw", "k", false), entry("{}", 300));
        assertFalse(store.get(CacheKey.custom("gw", "k", true)).hit());
        assertFalse(store.get(CacheKey.custom("gw2", "k", false)).hit());
        assertTrue(store.get(CacheKey.custom("gw", "k", false)).hit());
    }

    @Test
    void anIncompressibleBodyOverTheItemLimitIsRefused() {
        String table = DynamoDbLocal.newTable();
        CacheStore store = new CacheStore(dynamo, table, 64 << 20);
        byte[] random = new byte[CacheStore.MAX_COMPRESSED_BODY + 1024];
        new Random(1).nextBytes(random);
        long now = System.currentTimeMillis();
        CacheKey key = CacheKey.custom("gw", "big", false);
        long puts = calls("PutItem");
        assertFalse(store.put(key, new CacheEntry(200, Headers.empty(), random, false, -1, -1, null, now, now / 1000 + 60)));
        assertEquals(puts, calls("PutItem"));
        assertFalse(store.get(key).hit());
    }

    @Test
    void aReadFailureIsAMissNotAnError() {
        try (DynamoDbClient dead = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:1"))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            CacheStore store = new CacheStore(dead, "nowhere", 1 << 20);
            CacheStore.Lookup lookup = store.get(CacheKey.custom("gw", "k", false));
            assertFalse(lookup.hit());
            assertTrue(lookup.failed());
            assertEquals(1, store.readFailures());
        }
    }

    @Test
    void concurrentReadersShareOneInstanceSafely() throws Exception {
        String table = DynamoDbLocal.newTable();
        CacheStore writer = new CacheStore(dynamo, table, 0);
        for (int i = 0; i < 10; i++) {
            writer.put(CacheKey.custom("gw", "k" + i, false), entry(body(i), 300));
        }
        CacheStore store = new CacheStore(dynamo, table, 1 << 20);
        long before = calls("GetItem");
        List<Future<?>> tasks = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 400; i++) {
                int n = i % 10;
                tasks.add(pool.submit(() -> {
                    CacheStore.Lookup got = store.get(CacheKey.custom("gw", "k" + n, false));
                    assertTrue(got.hit());
                    assertArrayEquals(body(n).getBytes(StandardCharsets.UTF_8), got.entry().body());
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get();
            }
        }
        assertEquals(10, store.memoryEntries());
        long reads = calls("GetItem") - before;
        assertTrue(reads >= 10 && reads <= 30, "concurrent lookups of a key share one table read: " + reads);
    }

    private static String body(int n) {
        return "{\"n\":" + n + ",\"pad\":\"" + "x".repeat(4000) + "\"}";
    }

    @Test
    void memoryLayerStaysWithinItsBudgetUnderConcurrentUse() throws Exception {
        long budget = 64 * 1024;
        MemoryLru lru = new MemoryLru(budget);
        long now = System.currentTimeMillis();
        List<Future<?>> tasks = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 32; t++) {
                int seed = t;
                tasks.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 2_000; i++) {
                        String key = "k" + random.nextInt(100);
                        CacheEntry found = lru.get(key, now);
                        if (found != null) {
                            assertEquals(Integer.parseInt(key.substring(1)) * 10 + 100, found.body().length);
                        } else {
                            int size = Integer.parseInt(key.substring(1)) * 10 + 100;
                            lru.put(key, new CacheEntry(200, Headers.empty(), new byte[size], false, -1, -1, null, now,
                                    now / 1000 + 60), now);
                        }
                        assertTrue(lru.usedBytes() <= budget);
                    }
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get();
            }
        }
        assertTrue(lru.usedBytes() > 0 && lru.usedBytes() <= budget);
    }

    @Test
    void memoryLayerEvictsLeastRecentlyUsedByBytes() {
        MemoryLru lru = new MemoryLru(12_740); // four entries of 3,160 bytes (weight) fit, a fifth does not
        long now = System.currentTimeMillis();
        for (int i = 0; i < 4; i++) {
            lru.put("k" + i, new CacheEntry(200, Headers.empty(), new byte[3000], false, -1, -1, null, now,
                    now / 1000 + 60), now);
        }
        assertEquals(4, lru.size());
        lru.get("k0", now); // k0 becomes most recent
        lru.put("k4", new CacheEntry(200, Headers.empty(), new byte[3000], false, -1, -1, null, now, now / 1000 + 60), now);
        assertTrue(lru.usedBytes() <= 12_740);
        assertEquals(4, lru.size());
        assertNull(lru.get("k1", now), "the least recently used entry went first");
        assertTrue(lru.get("k0", now) != null);
        assertTrue(lru.get("k4", now) != null);
        // an entry larger than a quarter of the budget is not kept
        lru.put("huge", new CacheEntry(200, Headers.empty(), new byte[5000], false, -1, -1, null, now, now / 1000 + 60), now);
        assertNull(lru.get("huge", now));
        // disabled
        MemoryLru off = new MemoryLru(0);
        off.put("k", new CacheEntry(200, Headers.empty(), new byte[1], false, -1, -1, null, now, now / 1000 + 60), now);
        assertNull(off.get("k", now));
    }
    @Test
    void oneFlightPerKeyLandsOnceAndAFollowerThatGivesUpRetiresIt() throws Exception {
        CacheStore store = new CacheStore(dynamo, DynamoDbLocal.newTable(), 1 << 20);
        CacheKey key = CacheKey.custom("gw", "flight", false);
        CacheStore.Claim leader = store.claim(key);
        assertTrue(leader.leader());
        CacheStore.Claim follower = store.claim(key);
        assertFalse(follower.leader());
        assertTrue(follower.flight() == leader.flight());
        assertTrue(store.claim(CacheKey.custom("gw", "flight", true)).leader(), "the stream flag is another key");
        CacheEntry entry = entry("{\"landed\":true}", 300);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<CacheEntry> waiting = pool.submit(() -> follower.flight().await(5_000));
            Thread.sleep(50);
            leader.flight().land(entry);
            leader.flight().land(null); // a second landing changes nothing
            assertTrue(waiting.get() == entry);
        }
        assertTrue(follower.flight().await(10) == entry);
        assertTrue(store.claim(key).leader(), "a landed flight is gone: the next miss leads a new one");

        // a leader that never lands holds followers back once, for their wait, not forever
        CacheKey stuck = CacheKey.custom("gw", "stuck", false);
        CacheStore.Claim never = store.claim(stuck);
        CacheStore.Claim patient = store.claim(stuck);
        long started = System.nanoTime();
        assertNull(patient.flight().await(100));
        assertTrue((System.nanoTime() - started) / 1_000_000 >= 90);
        CacheStore.Claim next = store.claim(stuck);
        assertTrue(next.leader(), "the follower that gave up retired the stuck flight");
        never.flight().land(entry); // the old leader landing late does not end the new flight
        assertFalse(store.claim(stuck).leader());
        next.flight().land(null);
        assertTrue(store.claim(stuck).leader());
    }
}
