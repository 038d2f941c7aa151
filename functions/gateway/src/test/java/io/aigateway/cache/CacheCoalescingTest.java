package io.aigateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent identical misses share one provider call (issue 9, security 11), and an identical request sent the
 * moment an answer ended is a hit (issue 9, SDK 9). Through the HTTP server transport, DynamoDB Local and a loopback
 * provider.
 */
class CacheCoalescingTest {
    private static final String CHAT = "/v1/acct/default/openai/chat/completions";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_BODY =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String KEY = "Bearer sk-caller-one";
    private static final int CONCURRENT = 50;

    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of(
                "GATEWAY_DEFAULT_CACHE_TTL", "300",
                "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1"));
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

    /** Runs {@code n} copies of a call at once (released together) and returns their results in order. */
    private static <T> List<T> together(int n, Callable<T> call) throws Exception {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return call.call();
                }));
            }
            ready.await();
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    /** One request through the gateway first, so class loading does not spread the burst below over seconds. */
    private void warmUp() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals(200, chat(BODY.replace("hi", "warm-up")).statusCode());
        stub.calls.set(0);
    }

    /** The request's log; a burst of 50 records may take the ingest a while on a loaded machine. */
    private JsonNode log(HttpResponse<?> r) throws Exception {
        String id = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            HttpResponse<String> found = gw.admin("/api/v1/gateways/default/logs/" + id);
            if (found.statusCode() == 200) {
                return Json.MAPPER.readTree(found.body()).get("result");
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("log " + id + " never appeared: " + found.statusCode() + " " + found.body());
            }
            Thread.sleep(50);
        }
    }

    // ---- stampede ----

    @Test
    void fiftyConcurrentIdenticalRequestsMakeOneProviderCall() throws Exception {
        warmUp();
        stub.on("/v1/chat/completions", StubUpstream.slow(500, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION,
                Map.of("x-request-id", "req-1"))));
        List<HttpResponse<String>> all = together(CONCURRENT, () -> chat(BODY));
        assertEquals(1, stub.calls.get(), "one provider call for " + CONCURRENT + " identical requests");
        int miss = 0;
        int hit = 0;
        for (HttpResponse<String> r : all) {
            assertEquals(200, r.statusCode());
            assertEquals(StubUpstream.CHAT_COMPLETION, r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
            assertEquals("req-1", r.headers().firstValue("x-request-id").orElseThrow());
            if ("MISS".equals(cacheStatus(r))) {
                miss++;
            } else if ("HIT".equals(cacheStatus(r))) {
                hit++;
            }
        }
        assertEquals(1, miss, "the leader");
        assertEquals(CONCURRENT - 1, hit, "the followers, answered from the leader's entry");
        HttpResponse<String> follower = all.stream().filter(r -> "HIT".equals(cacheStatus(r))).findFirst().orElseThrow();
        JsonNode followerLog = log(follower);
        assertTrue(followerLog.get("cached").asBoolean());
        assertEquals(12, followerLog.get("tokens_in").asInt());
        assertEquals(3, followerLog.get("tokens_out").asInt());
    }

    @Test
    void fiftyConcurrentIdenticalStreamsMakeOneProviderCallAndReplayTheWholeStream() throws Exception {
        warmUp();
        List<String> events = StubUpstream.openAiChunks("The", " capital", " is", " Paris.");
        stub.on("/v1/chat/completions", StubUpstream.slow(300, stub.sse(events, 50)));
        byte[] whole = String.join("", events).getBytes(StandardCharsets.UTF_8);
        List<HttpResponse<byte[]>> all = together(CONCURRENT, () -> gw.http.send(HttpRequest.newBuilder(gw.url(CHAT))
                .header("content-type", "application/json").header("authorization", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_BODY)).build(), HttpResponse.BodyHandlers.ofByteArray()));
        assertEquals(1, stub.calls.get());
        int miss = 0;
        for (HttpResponse<byte[]> r : all) {
            assertEquals(200, r.statusCode());
            assertArrayEquals(whole, r.body());
            assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
            String status = cacheStatus(r);
            assertTrue("MISS".equals(status) || "HIT".equals(status), status);
            miss += "MISS".equals(status) ? 1 : 0;
        }
        assertEquals(1, miss);
    }

    @Test
    void whenTheLeadersAnswerIsNotCacheableEveryFollowerCallsTheProviderItself() throws Exception {
        warmUp();
        AtomicInteger n = new AtomicInteger();
        StubUpstream.Reply error = StubUpstream.slow(1_000, StubUpstream.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        StubUpstream.Reply ok = StubUpstream.json(200, StubUpstream.CHAT_COMPLETION);
        stub.on("/v1/chat/completions", exchange -> (n.getAndIncrement() == 0 ? error : ok).answer(exchange));
        List<HttpResponse<String>> all = together(10, () -> chat(BODY));
        assertEquals(10, stub.calls.get(), "an error is never shared: each follower asks the provider");
        assertEquals(1, all.stream().filter(r -> r.statusCode() == 500).count());
        assertEquals(9, all.stream().filter(r -> r.statusCode() == 200
                && StubUpstream.CHAT_COMPLETION.equals(r.body())).count());
        all.forEach(r -> assertEquals("MISS", cacheStatus(r)));
    }

    @Test
    void aFollowerWaitsAtMostItsRequestTimeoutThenCallsTheProviderItself() throws Exception {
        warmUp();
        AtomicInteger n = new AtomicInteger();
        StubUpstream.Reply slow = StubUpstream.slow(2_500, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        StubUpstream.Reply fast = StubUpstream.json(200, StubUpstream.CHAT_COMPLETION);
        stub.on("/v1/chat/completions", exchange -> (n.getAndIncrement() == 0 ? slow : fast).answer(exchange));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> leader = pool.submit(() -> chat(BODY));
            long deadline = System.currentTimeMillis() + 5_000;
            while (stub.calls.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            long started = System.nanoTime();
            HttpResponse<String> follower = chat(BODY, "cf-aig-request-timeout", "300");
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(200, follower.statusCode());
            assertEquals("MISS", cacheStatus(follower));
            assertTrue(tookMs >= 250 && tookMs < 2_000, "waited " + tookMs + " ms, then went to the provider");
            assertEquals(2, stub.calls.get());
            assertEquals("MISS", cacheStatus(leader.get()));
        }
    }

    // ---- an identical request right after the answer ----

    @Test
    void anIdenticalRequestSentTheMomentAPlainAnswerEndedIsAHit() throws Exception {
        warmUp();
        // large enough (1 MB) that reading it for usage and storing it takes a moment after its last byte
        String answer = StubUpstream.CHAT_COMPLETION.replace("Hello!", "Hello! ".repeat(150_000));
        stub.on("/v1/chat/completions", StubUpstream.json(200, answer));
        // A second client, so the second request comes on its own connection, as from a pool of an SDK (on the
        // first one, the server would read it only once the first exchange is closed).
        HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 50; i++) {
            String body = BODY.replace("hi", "question " + i);
            HttpResponse<String> first = chat(body);
            HttpResponse<String> second = other.send(HttpRequest.newBuilder(gw.url(CHAT))
                    .header("content-type", "application/json").header("authorization", KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("MISS", cacheStatus(first), "round " + i);
            assertEquals("HIT", cacheStatus(second), "round " + i);
            assertEquals(answer, second.body());
        }
        assertEquals(50, stub.calls.get());
    }

    @Test
    void anIdenticalRequestSentTheMomentAStreamEndedIsAHit() throws Exception {
        warmUp();
        List<String> events = StubUpstream.openAiChunks("Par", "is");
        byte[] whole = String.join("", events).getBytes(StandardCharsets.UTF_8);
        // the provider ends its body 50 ms after data: [DONE]: the client has the whole answer before the gateway
        stub.on("/v1/chat/completions", stub.sse(events, 5, 50));
        for (int i = 0; i < 50; i++) {
            String body = STREAM_BODY.replace("hi", "question " + i);
            // as the SDKs do: the answer is complete at its terminal event; the next request goes out at once
            byte[] first = readUntilDone(body);
            assertArrayEquals(whole, first, "round " + i);
            HttpResponse<byte[]> second = gw.http.send(HttpRequest.newBuilder(gw.url(CHAT))
                    .header("content-type", "application/json").header("authorization", KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("HIT", cacheStatus(second), "round " + i);
            assertArrayEquals(whole, second.body());
        }
        assertEquals(50, stub.calls.get());
    }

    /** Reads a streamed answer up to its {@code data: [DONE]} event and returns at once, as an SDK does. */
    private byte[] readUntilDone(String body) throws Exception {
        HttpResponse<InputStream> r = gw.http.send(HttpRequest.newBuilder(gw.url(CHAT))
                .header("content-type", "application/json").header("authorization", KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("MISS", cacheStatus(r));
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            byte[] buf = new byte[4096];
            while (!seen.toString(StandardCharsets.UTF_8).endsWith("data: [DONE]\n\n")) {
                int k = in.read(buf);
                if (k < 0) {
                    break;
                }
                seen.write(buf, 0, k);
            }
        }
        return seen.toByteArray();
    }
}
