package io.aigateway.auth;

import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random gateway tokens cost bounded memory and bounded store reads (counted by StoreStats on DynamoDB Local). */
class GatewayTokensBoundsTest {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String table = DynamoDbLocal.newTable();
    private final StoreStats stats = new StoreStats();
    private final DynamoDbClient dynamo = io.aigateway.store.AwsClients.dynamoBuilder(
                    io.aigateway.store.AwsClients.httpClient(), stats)
            .endpointOverride(DynamoDbLocal.endpoint())
            .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                    software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("local", "local")))
            .build();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void close() {
        dynamo.close();
    }

    private long getItems() {
        StoreStats.Snapshot s = stats.snapshot().get("GetItem");
        return s == null ? 0 : s.calls();
    }

    static String randomToken() {
        StringBuilder t = new StringBuilder("aigw_");
        for (int i = 0; i < 16; i++) {
            t.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        t.append('_');
        for (int i = 0; i < 43; i++) {
            t.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return t.toString();
    }

    @Test
    void twentyThousandRandomTokensCostBoundedMemoryAndReads() {
        GatewayTokens tokens = new GatewayTokens(dynamo, table, 5_000,
                new GatewayTokens.Limits(100, 50, 10, 20), now::get);
        GatewayTokens.Created real = tokens.create("g", "backend", 1);
        assertTrue(tokens.verify("g", real.token()));
        assertEquals(1, getItems());

        int exhausted = 0;
        for (int i = 0; i < 20_000; i++) {
            try {
                assertFalse(tokens.verify("g", randomToken()));
            } catch (GatewayTokens.LookupsExhausted e) {
                exhausted++;
            }
        }
        assertEquals(20, getItems(), "the burst of 20 (one spent on the real token), then no read");
        assertEquals(20_000 - 19, exhausted);
        assertTrue(tokens.remembered() <= 100 + 50, "bounded: " + tokens.remembered());

        assertTrue(tokens.verify("g", real.token()), "a remembered token keeps working through the flood");
        assertEquals(20, getItems());

        now.addAndGet(1_000_000_000L); // one second: 10 more reads
        for (int i = 0; i < 1_000; i++) {
            try {
                tokens.verify("g", randomToken());
            } catch (GatewayTokens.LookupsExhausted ignored) {
                // refused without a read
            }
        }
        assertEquals(30, getItems());

        now.addAndGet(6_000_000_000L); // past the remember time: everything is read again, within the budget
        assertTrue(tokens.verify("g", real.token()));
        assertEquals(31, getItems());
        assertTrue(tokens.remembered() <= 100 + 50);
    }

    @Test
    void aRepeatedUnknownTokenCostsOneReadAndARevokedOneStopsAtOnce() {
        GatewayTokens tokens = new GatewayTokens(dynamo, table, 5_000);
        String wrong = randomToken();
        for (int i = 0; i < 100; i++) {
            assertFalse(tokens.verify("g", wrong));
        }
        assertEquals(1, getItems());
        GatewayTokens.Created real = tokens.create("g", "a", 1);
        assertTrue(tokens.verify("g", real.token()));
        assertTrue(tokens.delete("g", real.key().id()));
        assertFalse(tokens.verify("g", real.token()));
    }

    @Test
    void throughTheGatewayRandomTokensGet401AndBoundedReads() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            assertEquals(200, gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/secure"))
                    .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"authentication\":true,\"collect_logs\":false}")))
                    .statusCode());
            gw.post("/v1/a/secure/openai/chat/completions", "{}"); // settings now in memory
            long before = gw.storeStats.snapshot().get("GetItem").calls();
            long started = System.nanoTime();
            java.util.concurrent.Semaphore parallel = new java.util.concurrent.Semaphore(16);
            java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                parallel.acquire();
                sent.add(gw.http.sendAsync(HttpRequest.newBuilder(gw.url("/v1/a/secure/openai/chat/completions"))
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .header("cf-aig-authorization", "Bearer " + randomToken()).build(),
                        HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> parallel.release()));
            }
            for (var f : sent) {
                HttpResponse<String> r = f.get();
                assertEquals(401, r.statusCode());
                assertEquals(2007, io.aigateway.config.ErrorCodes.of(r));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long reads = gw.storeStats.snapshot().get("GetItem").calls() - before;
            GatewayTokens.Limits l = GatewayTokens.Limits.standard();
            // plus the settings refresh of gateway "secure" (one read per 5 s refresh interval)
            assertTrue(reads <= l.lookupBurst() + Math.ceil(l.lookupsPerSecond() * seconds) + Math.ceil(seconds / 5) + 1,
                    reads + " reads for 1000 random tokens in " + seconds + " s");
            assertEquals(0, stub.calls.get());
        }
    }
}
