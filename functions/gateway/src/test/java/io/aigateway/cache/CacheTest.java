package io.aigateway.cache;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.lambda.LambdaHandler;
import io.aigateway.store.TableSchema;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache through the whole gateway: HTTP server transport and Lambda handler, DynamoDB Local, loopback stubs. */
class CacheTest {
    private static final String CHAT = "/v1/acct/default/openai/chat/completions";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_BODY =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String KEY = "Bearer sk-caller-one";

    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of(
                "GATEWAY_DEFAULT_CACHE_TTL", "300",
                "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri().toString(),
                "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", stub.baseUri().toString()));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> chat(String body, String... headers) throws Exception {
        List<String> all = new ArrayList<>(List.of("authorization", KEY));
        all.addAll(List.of(headers));
        return gw.post(CHAT, body, all.toArray(String[]::new));
    }

    private static String cacheStatus(HttpResponse<?> r) {
        return r.headers().firstValue("cf-aig-cache-status").orElse(null);
    }

    private JsonNode log(HttpResponse<?> r) throws Exception {
        return Json.MAPPER.readTree(gw.awaitLog("default", r.headers().firstValue("cf-aig-log-id").orElseThrow()))
                .get("result");
    }

    /** Test-only look at the table (a scan of a throwaway table): the cache items written so far. */
    private List<Map<String, AttributeValue>> cacheItems() {
        return gw.dynamo.scan(b -> b.tableName(gw.table)
                        .filterExpression("begins_with(#pk, :p)")
                        .expressionAttributeNames(Map.of("#pk", TableSchema.PK))
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("CACHE#"))))
                .items();
    }

    /** The HTTP transport writes the item in the background: wait for it. */
    private List<Map<String, AttributeValue>> awaitCacheItems(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (true) {
            List<Map<String, AttributeValue>> items = cacheItems();
            if (items.size() >= count) {
                return items;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected " + count + " cache items, found " + items.size());
            }
            Thread.sleep(20);
        }
    }

    /** Long enough for a background write that should not happen to have happened. */
    private static void settle() throws InterruptedException {
        Thread.sleep(300);
    }

    @Test
    void missThenHitCallsTheProviderOnceAndReplaysStatusHeadersAndBody() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION, Map.of(
                "x-request-id", "req-7", "set-cookie", "upstream=1", "x-ratelimit-remaining-requests", "41")));
        HttpResponse<String> first = chat(BODY, "cf-aig-metadata", "{\"team\":\"a\"}");
        assertEquals(200, first.statusCode());
        assertEquals("MISS", cacheStatus(first));
        JsonNode missLog = log(first);
        assertFalse(missLog.get("cached").asBoolean());
        awaitCacheItems(1);

        // metadata is not part of the key
        HttpResponse<String> second = chat(BODY, "cf-aig-metadata", "{\"team\":\"b\"}");
        assertEquals(200, second.statusCode());
        assertEquals("HIT", cacheStatus(second));
        assertEquals(StubUpstream.CHAT_COMPLETION, second.body());
        assertEquals("application/json", second.headers().firstValue("content-type").orElseThrow());
        assertEquals("req-7", second.headers().firstValue("x-request-id").orElseThrow());
        assertTrue(second.headers().firstValue("set-cookie").isEmpty(), "cookies are never stored");
        assertTrue(second.headers().firstValue("x-ratelimit-remaining-requests").isEmpty());
        assertEquals(1, stub.calls.get(), "a hit never calls the provider");

        String hitLogId = second.headers().firstValue("cf-aig-log-id").orElseThrow();
        JsonNode hitLog = log(second);
        assertTrue(hitLog.get("cached").asBoolean());
        assertTrue(hitLog.get("success").asBoolean());
        assertEquals(200, hitLog.get("status_code").asInt());
        assertEquals(12, hitLog.get("tokens_in").asInt());
        assertEquals(3, hitLog.get("tokens_out").asInt());
        assertEquals("b", hitLog.get("metadata").get("team").asText());

        JsonNode emf = awaitMetrics(hitLogId);
        assertEquals(1, emf.get("CacheHits").asInt());
        assertEquals(1, emf.get("Requests").asInt());
        assertEquals(0, emf.get("Errors").asInt());
        assertFalse(emf.has("UpstreamLatency"), "no provider call on a hit");
    }

    private JsonNode awaitMetrics(String logId) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            for (String doc : gw.metrics) {
                JsonNode node = Json.MAPPER.readTree(doc);
                if (logId.equals(node.path("logId").asText())) {
                    return node;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no metrics document for " + logId);
    }

    @Test
    void differentProviderKeysNeverShareAnEntry() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-one")));
        awaitCacheItems(1);
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-two")));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "x-api-key", "sk-one")));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY)));
        awaitCacheItems(4);
        assertEquals("HIT", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-two")));
        assertEquals(4, stub.calls.get());
        for (Map<String, AttributeValue> item : cacheItems()) {
            assertFalse(item.toString().contains("sk-one") || item.toString().contains("sk-two"),
                    "provider keys are never stored: " + item.keySet());
        }
    }

    @Test
    void differentBodiesQueriesAndPathsAreDifferentEntries() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/completions", StubUpstream.json(200, "{\"ok\":true}"));
        assertEquals("MISS", cacheStatus(chat(BODY)));
        assertEquals("MISS", cacheStatus(chat(BODY.replace("hi", "hello"))));
        assertEquals("MISS", cacheStatus(gw.post(CHAT + "?x=1", BODY, "authorization", KEY)));
        assertEquals("MISS", cacheStatus(gw.post("/v1/acct/default/openai/completions", BODY, "authorization", KEY)));
        assertEquals("MISS", cacheStatus(gw.post("/v1/acct/other/openai/chat/completions", BODY, "authorization", KEY)));
        assertEquals(5, stub.calls.get());
        assertEquals("HIT", cacheStatus(gw.post(CHAT + "?x=1", BODY, "authorization", KEY)));
        assertEquals(5, stub.calls.get());
    }

    @Test
    void customKeyIsSharedAcrossBodiesButNotAcrossGatewaysOrStreamFlag() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals("MISS", cacheStatus(chat(BODY, "cf-aig-cache-key", "greeting")));
        HttpResponse<String> other = chat(BODY.replace("hi", "something else"), "cf-aig-cache-key", "greeting");
        assertEquals("HIT", cacheStatus(other));
        assertEquals(StubUpstream.CHAT_COMPLETION, other.body());
        assertEquals(1, stub.calls.get());
        // same key, other gateway: its own namespace
        assertEquals("MISS", cacheStatus(gw.post("/v1/acct/other/openai/chat/completions", BODY,
                "authorization", KEY, "cf-aig-cache-key", "greeting")));
        // same key, streamed request: kept apart from the non-streamed entry
        stub.on("/v1/chat/completions", stub.sse(StubUpstream.openAiChunks("Hi"), 0));
        HttpResponse<String> streamed = chat(STREAM_BODY, "cf-aig-cache-key", "greeting");
        assertEquals("MISS", cacheStatus(streamed));
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"));
        assertEquals(3, stub.calls.get());
    }

    /** Issue 9, security 9: a cf-aig-cache-key entry is read only with the same provider key, on the same provider. */
    @Test
    void customKeyEntriesAreScopedToTheProviderKeyAndTheProvider() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/messages", StubUpstream.json(200, "{\"id\":\"msg_1\",\"type\":\"message\"}"));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-one", "cf-aig-cache-key", "k")));
        awaitCacheItems(1);
        assertEquals("HIT", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-one", "cf-aig-cache-key", "k")));

        HttpResponse<String> noKey = gw.post(CHAT, BODY, "cf-aig-cache-key", "k");
        assertEquals("MISS", cacheStatus(noKey), "readable with no provider key");
        HttpResponse<String> otherKey = gw.post(CHAT, BODY, "authorization", "Bearer sk-two", "cf-aig-cache-key", "k");
        assertEquals("MISS", cacheStatus(otherKey), "readable with another provider key");
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "x-api-key", "Bearer sk-one", "cf-aig-cache-key", "k")),
                "the same value in another auth header is another credential");
        HttpResponse<String> otherProvider = gw.post("/v1/acct/default/anthropic/v1/messages", BODY,
                "authorization", "Bearer sk-one", "cf-aig-cache-key", "k");
        assertEquals("MISS", cacheStatus(otherProvider), "shared with another provider");
        assertEquals("{\"id\":\"msg_1\",\"type\":\"message\"}", otherProvider.body());
        assertEquals(5, stub.calls.get());

        // a credential in the query (Google's ?key=) scopes the entry the same way
        String gemini = "/v1/acct/default/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent";
        stub.on("/v1beta/models/gemini-2.5-flash:generateContent", StubUpstream.json(200, "{\"candidates\":[]}"));
        assertEquals("MISS", cacheStatus(gw.post(gemini + "?key=g-one", "{}", "cf-aig-cache-key", "k")));
        assertEquals("HIT", cacheStatus(gw.post(gemini + "?key=g-one", "{}", "cf-aig-cache-key", "k")));
        assertEquals("MISS", cacheStatus(gw.post(gemini + "?key=g-two", "{}", "cf-aig-cache-key", "k")));
        assertEquals("MISS", cacheStatus(gw.post(gemini, "{}", "cf-aig-cache-key", "k")));
        assertEquals(8, stub.calls.get());
        for (Map<String, AttributeValue> item : cacheItems()) {
            assertFalse(item.toString().contains("sk-one") || item.toString().contains("g-one"),
                    "provider keys are never stored: " + item.keySet());
        }
    }

    @Test
    void aGatewayCanShareCustomKeyEntriesAcrossProviderKeysAndProviders() throws Exception {
        HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/default"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"cache_key_shared\": true}")));
        assertEquals(200, put.statusCode(), put.body());
        assertTrue(Json.MAPPER.readTree(put.body()).get("result").get("cache_key_shared").asBoolean());
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-one", "cf-aig-cache-key", "k")));
        HttpResponse<String> otherKey = gw.post(CHAT, BODY, "authorization", "Bearer sk-two", "cf-aig-cache-key", "k");
        assertEquals("HIT", cacheStatus(otherKey));
        assertEquals(StubUpstream.CHAT_COMPLETION, otherKey.body());
        assertEquals("HIT", cacheStatus(gw.post(CHAT, BODY, "cf-aig-cache-key", "k")));
        assertEquals("HIT", cacheStatus(gw.post("/v1/acct/default/anthropic/v1/messages", BODY,
                "x-api-key", "sk-ant", "cf-aig-cache-key", "k")));
        assertEquals(1, stub.calls.get());
        // the default key is never shared, whatever the setting
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-one")));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-two")));

        // off again: scoped
        gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/default"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"cache_key_shared\": false}")));
        assertEquals("MISS", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-two", "cf-aig-cache-key", "k")));
        HttpResponse<String> bad = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/default"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"cache_key_shared\": \"yes\"}")));
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("cache_key_shared"), bad.body());
    }

    @Test
    void customKeyOptsInWhenTheGatewayCacheIsOff() throws Exception {
        try (StubUpstream up = new StubUpstream();
             Harness off = Harness.forProvider("openai", up.baseUri().resolve("/v1"))) {
            up.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            HttpResponse<String> plain = off.post(CHAT, BODY);
            assertNull(cacheStatus(plain), "caching is off: no cache header");
            assertEquals("MISS", cacheStatus(off.post(CHAT, BODY, "cf-aig-cache-key", "k1")));
            assertEquals("HIT", cacheStatus(off.post(CHAT, BODY, "cf-aig-cache-key", "k1")));
            assertEquals("MISS", cacheStatus(off.post(CHAT, BODY, "cf-aig-cache-ttl", "60")));
            assertEquals("HIT", cacheStatus(off.post(CHAT, BODY, "cf-aig-cache-ttl", "120")));
            assertEquals(3, up.calls.get());
            // the TTL of a key without a TTL header: 300 s (gateway cache off)
            long expires = cacheItemsOf(off).stream()
                    .mapToLong(i -> Long.parseLong(i.get(TableSchema.EXPIRES_AT).n()) - Long.parseLong(i.get("createdAt").n()) / 1000)
                    .max().orElseThrow();
            assertTrue(expires >= 299 && expires <= 301, "ttl " + expires);
        }
    }

    private static List<Map<String, AttributeValue>> cacheItemsOf(Harness h) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (true) {
            List<Map<String, AttributeValue>> items = h.dynamo.scan(b -> b.tableName(h.table)
                    .filterExpression("begins_with(pk, :p)")
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("CACHE#")))).items();
            if (items.size() >= 2 || System.currentTimeMillis() > deadline) {
                return items;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void skipCacheNeitherReadsNorWrites() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        HttpResponse<String> skipped = chat(BODY, "cf-aig-skip-cache", "true");
        assertEquals(200, skipped.statusCode());
        assertNull(cacheStatus(skipped));
        settle();
        assertTrue(cacheItems().isEmpty(), "a skipped request writes nothing");
        assertEquals("MISS", cacheStatus(chat(BODY)));
        awaitCacheItems(1);
        assertEquals("HIT", cacheStatus(chat(BODY, "cf-aig-skip-cache", "false")));
        assertNull(cacheStatus(chat(BODY, "cf-aig-skip-cache", "TRUE")), "an entry exists, but is not read");
        assertEquals(3, stub.calls.get());
    }

    @Test
    void ttlZeroDisablesCachingForTheRequest() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertNull(cacheStatus(chat(BODY, "cf-aig-cache-ttl", "0")));
        assertNull(cacheStatus(chat(BODY, "cf-aig-cache-ttl", "0")));
        settle();
        assertTrue(cacheItems().isEmpty());
        assertEquals(2, stub.calls.get());
    }

    @Test
    void ttlHeaderSetsTheEntryLifetime() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals("MISS", cacheStatus(chat(BODY, "cf-aig-cache-ttl", "3600")));
        Map<String, AttributeValue> item = awaitCacheItems(1).get(0);
        long ttl = Long.parseLong(item.get(TableSchema.EXPIRES_AT).n()) - Long.parseLong(item.get("createdAt").n()) / 1000;
        assertTrue(ttl >= 3599 && ttl <= 3601, "ttl " + ttl);
    }

    @Test
    void badCacheHeadersAre400WithoutAProviderCall() throws Exception {
        for (String[] h : List.of(
                new String[]{"cf-aig-cache-ttl", "abc"},
                new String[]{"cf-aig-cache-ttl", "30"},
                new String[]{"cf-aig-cache-ttl", "-5"},
                new String[]{"cf-aig-cache-ttl", "2592001"},
                new String[]{"cf-aig-skip-cache", "yes"},
                new String[]{"cf-aig-cache-key", "x".repeat(CachePolicy.MAX_KEY_LENGTH + 1)})) {
            HttpResponse<String> r = chat(BODY, h[0], h[1]);
            assertEquals(400, r.statusCode(), h[0] + ": " + h[1]);
            // Cloudflare's envelope, or the provider's own error shape on a provider route: either way code 2005
            // and a message naming the header
            JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
            JsonNode first = error.isArray() ? error.get(0) : error;
            assertEquals(2005, first.get("code").asInt(), r.body());
            assertTrue(first.get("message").asText().contains(h[0]), r.body());
        }
        assertEquals(0, stub.calls.get());
    }

    @Test
    void errorsAreNotCached() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        HttpResponse<String> first = chat(BODY);
        assertEquals(500, first.statusCode());
        assertEquals("MISS", cacheStatus(first));
        stub.on("/v1/chat/completions", StubUpstream.json(429, "{\"error\":{\"message\":\"slow down\"}}"));
        assertEquals(429, chat(BODY).statusCode());
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        HttpResponse<String> ok = chat(BODY);
        assertEquals(200, ok.statusCode());
        assertEquals("MISS", cacheStatus(ok));
        assertEquals(3, stub.calls.get());
        assertEquals(1, awaitCacheItems(1).size());
    }

    @Test
    void anExpiredItemIsAMissEvenBeforeDynamoDbDeletesIt() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        CacheStore direct = new CacheStore(gw.dynamo, gw.table, 0);
        long now = System.currentTimeMillis();
        CacheKey key = CacheKey.custom("default", "expiring", false, "openai",
                Headers.builder().add("authorization", KEY).build(), "");
        direct.put(key, new CacheEntry(200, Headers.builder().add("content-type", "application/json").build(),
                "{\"stale\":true}".getBytes(StandardCharsets.UTF_8), false, 1, 1, "m", now - 120_000, now / 1000 - 5));
        assertEquals(1, cacheItems().size(), "the expired item is still in the table");
        HttpResponse<String> r = chat(BODY, "cf-aig-cache-key", "expiring");
        assertEquals("MISS", cacheStatus(r));
        assertEquals(StubUpstream.CHAT_COMPLETION, r.body());
        assertEquals(1, stub.calls.get());
    }

    @Test
    void memoryLayerServesHitsWithoutTheTableAndOtherInstancesReadTheTable() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals("MISS", cacheStatus(chat(BODY)));
        Map<String, AttributeValue> item = awaitCacheItems(1).get(0);
        String pk = item.get(TableSchema.PK).s();
        String hex = pk.substring(pk.lastIndexOf('#') + 1);

        // another instance (its own memory) on the same table: the hit comes from DynamoDB
        CacheStore other = new CacheStore(gw.dynamo, gw.table, 1 << 20);
        CacheStore.Lookup fromTable = other.get(new CacheKey("default", hex, false));
        assertTrue(fromTable.hit());
        assertEquals(CacheStore.Source.TABLE, fromTable.source());
        assertEquals(StubUpstream.CHAT_COMPLETION, new String(fromTable.entry().body(), StandardCharsets.UTF_8));

        // remove the item: this instance still answers from memory, so no store call was needed
        gw.dynamo.deleteItem(b -> b.tableName(gw.table).key(Map.of(TableSchema.PK, item.get(TableSchema.PK),
                TableSchema.SK, item.get(TableSchema.SK))));
        assertTrue(cacheItems().isEmpty());
        HttpResponse<String> hit = chat(BODY);
        assertEquals("HIT", cacheStatus(hit));
        assertEquals(StubUpstream.CHAT_COMPLETION, hit.body());
        assertEquals(1, stub.calls.get());
        // and the other instance's memory too
        assertEquals(CacheStore.Source.MEMORY, other.get(new CacheKey("default", hex, false)).source());
    }

    @Test
    void aBodyTooLargeForAnItemIsNotCachedAndTheLogSaysSo() throws Exception {
        byte[] random = new byte[600 * 1024];
        new Random(3).nextBytes(random);
        String big = "{\"data\":\"" + Base64.getEncoder().encodeToString(random) + "\"}";
        stub.on("/v1/chat/completions", StubUpstream.json(200, big));
        HttpResponse<String> first = chat(BODY);
        assertEquals(200, first.statusCode());
        assertEquals(big, first.body(), "the client still gets the whole answer");
        assertEquals("MISS", cacheStatus(first));
        assertEquals(CacheStep.TOO_LARGE, log(first).get("cache_note").asText());
        HttpResponse<String> second = chat(BODY);
        assertEquals("MISS", cacheStatus(second));
        assertEquals(2, stub.calls.get());
        assertTrue(cacheItems().isEmpty());
    }

    @Test
    void aLargeCompressibleBodyIsCached() throws Exception {
        String big = "{\"data\":\"" + "the same words again and again ".repeat(40_000) + "\"}"; // 1.2 MB
        stub.on("/v1/chat/completions", StubUpstream.json(200, big));
        assertEquals("MISS", cacheStatus(chat(BODY)));
        Map<String, AttributeValue> item = awaitCacheItems(1).get(0);
        assertTrue(item.get("body").b().asByteArray().length < CacheStore.MAX_COMPRESSED_BODY);
        HttpResponse<String> hit = chat(BODY);
        assertEquals("HIT", cacheStatus(hit));
        assertEquals(big, hit.body());
    }

    // ---- streams ----

    private HttpResponse<byte[]> streamChat(String body) throws Exception {
        return gw.http.send(HttpRequest.newBuilder(gw.url(CHAT))
                .header("content-type", "application/json").header("authorization", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aStreamIsCachedAfterItsTerminalEventAndReplayedByteForByte() throws Exception {
        List<String> events = StubUpstream.openAiChunks("The", " capital", " is", " Paris.");
        stub.on("/v1/chat/completions", stub.sse(events, 2));
        HttpResponse<byte[]> first = streamChat(STREAM_BODY);
        assertEquals("MISS", cacheStatus(first));
        byte[] original = String.join("", events).getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(original, first.body());
        Map<String, AttributeValue> item = awaitCacheItems(1).get(0);
        assertTrue(item.get("stream").bool());
        assertEquals(11, Integer.parseInt(item.get("tokensIn").n()));
        assertEquals(4, Integer.parseInt(item.get("tokensOut").n()));

        HttpResponse<byte[]> replay = streamChat(STREAM_BODY);
        assertEquals("HIT", cacheStatus(replay));
        assertEquals("text/event-stream", replay.headers().firstValue("content-type").orElseThrow());
        assertArrayEquals(original, replay.body());
        assertEquals(1, stub.calls.get());
        JsonNode hitLog = log(replay);
        assertTrue(hitLog.get("cached").asBoolean());
        assertTrue(hitLog.get("stream").asBoolean());
        assertEquals(4, hitLog.get("tokens_out").asInt());

        // the same body without "stream": a different entry
        assertEquals("MISS", cacheStatus(streamChat(BODY)));
    }

    @Test
    void aStreamEndingWithoutItsTerminalEventIsNotCached() throws Exception {
        List<String> events = new ArrayList<>(StubUpstream.openAiChunks("cut", "short"));
        events.removeLast(); // no data: [DONE]
        stub.on("/v1/chat/completions", stub.sse(events, 0));
        HttpResponse<String> first = chat(STREAM_BODY);
        assertEquals(200, first.statusCode());
        assertEquals(CacheStep.STREAM_INCOMPLETE, log(first).get("cache_note").asText());
        assertEquals("MISS", cacheStatus(chat(STREAM_BODY)));
        assertEquals(2, stub.calls.get());
        assertTrue(cacheItems().isEmpty());
    }

    @Test
    void aStreamTheProviderDropsIsNotCached() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.dropMidBody(StubUpstream.openAiChunks("half").get(0)));
        HttpResponse<byte[]> broken = null;
        try {
            broken = streamChat(STREAM_BODY);
        } catch (java.io.IOException expected) {
            // the gateway cut the client's connection too: a truncated answer, never a complete-looking one
        }
        if (broken != null) {
            assertFalse(new String(broken.body(), StandardCharsets.UTF_8).contains("[DONE]"));
        }
        settle();
        assertTrue(cacheItems().isEmpty());
        // even after its terminal event: the body itself never ended properly
        stub.on("/v1/chat/completions", StubUpstream.dropMidBody(String.join("", StubUpstream.openAiChunks("all"))));
        try {
            streamChat(STREAM_BODY);
        } catch (java.io.IOException expected) {
            // as above
        }
        settle();
        assertTrue(cacheItems().isEmpty());
        stub.on("/v1/chat/completions", stub.sse(StubUpstream.openAiChunks("whole"), 0));
        assertEquals("MISS", cacheStatus(streamChat(STREAM_BODY)));
        assertEquals(3, stub.calls.get());
    }

    @Test
    void aStreamTheClientLeavesIsNotCached() throws Exception {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.addAll(StubUpstream.openAiChunks("w" + i).subList(0, 1));
        }
        events.add("data: [DONE]\n\n");
        stub.on("/v1/chat/completions", stub.sse(events, 50));
        try (Socket socket = new Socket("127.0.0.1", gw.server.port())) {
            byte[] body = STREAM_BODY.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + KEY + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data: ")) {
                int b = in.read();
                assertTrue(b >= 0, "the stream never started");
                seen.append((char) b);
            }
        }
        assertTrue(stub.streamCancelled.await(10, TimeUnit.SECONDS), "the gateway stopped reading the provider");
        settle();
        assertTrue(cacheItems().isEmpty());
        stub.on("/v1/chat/completions", stub.sse(StubUpstream.openAiChunks("again"), 0));
        assertEquals("MISS", cacheStatus(streamChat(STREAM_BODY)));
        assertEquals(2, stub.calls.get());
    }

    @Test
    void anthropicStreamIsCachedAfterMessageStopOnly() throws Exception {
        List<String> events = List.of(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        String body = "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"max_tokens\":10,\"messages\":[]}";
        String path = "/v1/acct/default/anthropic/v1/messages";
        stub.on("/v1/messages", stub.sse(events.subList(0, 3), 0));
        HttpResponse<String> cut = gw.post(path, body, "x-api-key", "sk-ant-1");
        assertEquals(CacheStep.STREAM_INCOMPLETE, log(cut).get("cache_note").asText());
        stub.on("/v1/messages", stub.sse(events, 0));
        assertEquals("MISS", cacheStatus(gw.post(path, body, "x-api-key", "sk-ant-1")));
        awaitCacheItems(1);
        HttpResponse<String> hit = gw.post(path, body, "x-api-key", "sk-ant-1");
        assertEquals("HIT", cacheStatus(hit));
        assertEquals(String.join("", events), hit.body());
        assertEquals(5, log(hit).get("tokens_out").asInt());
        assertEquals(2, stub.calls.get());
    }

    @Test
    void geminiSseWithoutATerminalMarkerIsCachedOnACleanEnd() throws Exception {
        List<String> events = List.of(
                "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"}}]}\r\n\r\n",
                "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
                        + "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2}}\r\n\r\n");
        String path = "/v1/acct/default/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent";
        stub.on("/v1beta/models/gemini-2.5-flash:streamGenerateContent", stub.sse(events, 0));
        String body = "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}";
        HttpResponse<String> first = gw.post(path + "?alt=sse", body, "x-goog-api-key", "g-key");
        assertEquals("MISS", cacheStatus(first));
        awaitCacheItems(1);
        HttpResponse<String> hit = gw.post(path + "?alt=sse", body, "x-goog-api-key", "g-key");
        assertEquals("HIT", cacheStatus(hit));
        assertEquals(String.join("", events), hit.body());
        assertTrue(log(hit).get("stream").asBoolean());
        assertEquals(1, stub.calls.get());
    }

    @Test
    void universalEndpointStepsUseTheCacheLikeDirectRequests() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        String steps = "[{\"provider\":\"openai\",\"endpoint\":\"chat/completions\","
                + "\"headers\":{\"authorization\":\"Bearer sk-u\",\"content-type\":\"application/json\"},"
                + "\"query\":" + BODY + "}]";
        HttpResponse<String> first = gw.post("/v1/acct/default", steps);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("MISS", cacheStatus(first));
        awaitCacheItems(1);
        HttpResponse<String> second = gw.post("/v1/acct/default", steps);
        assertEquals("HIT", cacheStatus(second));
        assertEquals("0", second.headers().firstValue("cf-aig-step").orElseThrow());
        assertEquals(StubUpstream.CHAT_COMPLETION, second.body());
        assertEquals(1, stub.calls.get());
        // the same provider request sent directly, with the same key: the same entry
        assertEquals("HIT", cacheStatus(gw.post(CHAT, BODY, "authorization", "Bearer sk-u")));
        assertEquals(1, stub.calls.get());
    }

    // ---- Lambda ----

    private static APIGatewayV2HTTPEvent lambdaEvent(String body, Map<String, String> headers) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRawPath(CHAT);
        event.setRawQueryString("");
        event.setHeaders(headers);
        event.setBody(body);
        event.setIsBase64Encoded(false);
        event.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                        .withMethod("POST").withPath(CHAT).withSourceIp("203.0.113.9").build())
                .build());
        return event;
    }

    @Test
    void lambdaWritesTheEntryBeforeTheHandlerReturns() throws Exception {
        LambdaHandler handler = new LambdaHandler(gw.app.gateway());
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        Map<String, String> headers = Map.of("content-type", "application/json", "authorization", KEY,
                "cf-aig-cache-key", "lambda-entry");
        APIGatewayV2HTTPResponse miss = handler.handleRequest(lambdaEvent(BODY, headers), null);
        assertEquals(200, miss.getStatusCode());
        assertEquals("MISS", miss.getHeaders().get("cf-aig-cache-status"));
        // no waiting: the item is in the table when the handler returned (Lambda may freeze right after)
        CacheStore.Lookup stored = new CacheStore(gw.dynamo, gw.table, 0).get(CacheKey.custom("default", "lambda-entry",
                false, "openai", Headers.builder().add("authorization", KEY).build(), ""));
        assertTrue(stored.hit());
        assertEquals(CacheStore.Source.TABLE, stored.source());

        APIGatewayV2HTTPResponse hit = handler.handleRequest(lambdaEvent(BODY, headers), null);
        assertEquals("HIT", hit.getHeaders().get("cf-aig-cache-status"));
        assertEquals(StubUpstream.CHAT_COMPLETION, hit.getBody());
        assertEquals(1, stub.calls.get());
    }

    @Test
    void lambdaStreamIsStoredBeforeReturnAndReplayedAsEventStream() throws Exception {
        LambdaHandler handler = new LambdaHandler(gw.app.gateway());
        List<String> events = StubUpstream.openAiChunks("Par", "is");
        stub.on("/v1/chat/completions", stub.sse(events, 1));
        Map<String, String> headers = Map.of("content-type", "application/json", "authorization", KEY);
        APIGatewayV2HTTPResponse miss = handler.handleRequest(lambdaEvent(STREAM_BODY, headers), null);
        assertEquals("MISS", miss.getHeaders().get("cf-aig-cache-status"));
        assertEquals(1, cacheItems().size(), "written before the handler returned");
        APIGatewayV2HTTPResponse hit = handler.handleRequest(lambdaEvent(STREAM_BODY, headers), null);
        assertEquals("HIT", hit.getHeaders().get("cf-aig-cache-status"));
        assertEquals("text/event-stream", hit.getHeaders().get("content-type"));
        assertEquals(String.join("", events), hit.getBody());
        assertNotNull(hit.getHeaders().get("cf-aig-log-id"));
        assertEquals(1, stub.calls.get());
    }
}
