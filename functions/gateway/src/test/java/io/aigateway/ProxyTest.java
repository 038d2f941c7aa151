package io.aigateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.ErrorBodies;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy over the HTTP server transport, against loopback upstreams and DynamoDB Local. */
class ProxyTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    @Test
    void forwardsMethodPathQueryBodyAndHeadersButNotGatewayOrHopByHopHeaders() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION, Map.of("x-request-id", "req-9")));
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> r = gw.post("/v1/acct/default/openai/chat/completions?trace=1&x=a%20b", body,
                "authorization", "Bearer sk-secret-key-123",
                "cf-aig-metadata", "{\"team\":\"search\",\"user\":\"u-42\",\"n\":3,\"beta\":true}",
                "cf-aig-event-id", "evt-1",
                "x-custom", "kept",
                "user-agent", "test-agent/1.0");

        assertEquals(200, r.statusCode());
        assertEquals(StubUpstream.CHAT_COMPLETION, r.body());
        assertEquals("req-9", r.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("evt-1", r.headers().firstValue("cf-aig-event-id").orElseThrow());
        String logId = r.headers().firstValue("cf-aig-log-id").orElseThrow();

        StubUpstream.Received up = stub.lastRequest();
        assertEquals("POST", up.method());
        assertEquals("/v1/chat/completions", up.path());
        assertEquals("trace=1&x=a%20b", up.query());
        assertEquals(body, up.bodyText());
        assertEquals("Bearer sk-secret-key-123", up.header("authorization"));
        assertEquals("kept", up.header("x-custom"));
        assertEquals("test-agent/1.0", up.header("user-agent"));
        assertFalse(up.hasHeader("cf-aig-"), "no cf-aig-* header goes upstream: " + up.headers().keySet());
        assertNull(up.header("accept-encoding"));

        JsonNode log = json(gw.awaitLog("default", logId)).get("result");
        assertEquals(logId, log.get("id").asText());
        assertEquals("default", log.get("gateway").asText());
        assertEquals("openai", log.get("provider").asText());
        assertEquals("gpt-4o-mini", log.get("model").asText());
        assertEquals("POST", log.get("method").asText());
        assertEquals("/v1/acct/default/openai/chat/completions", log.get("path").asText());
        assertEquals(200, log.get("status_code").asInt());
        assertTrue(log.get("success").asBoolean());
        assertEquals(12, log.get("tokens_in").asInt());
        assertEquals(3, log.get("tokens_out").asInt());
        assertEquals("search", log.get("metadata").get("team").asText());
        assertEquals(3, log.get("metadata").get("n").asInt());
        assertTrue(log.get("metadata").get("beta").asBoolean());
        assertEquals("evt-1", log.get("event_id").asText());
        assertEquals("test-agent/1.0", log.get("user_agent").asText());
        assertEquals(body.length(), log.get("request_size").asInt());
        assertEquals(StubUpstream.CHAT_COMPLETION.length(), log.get("response_size").asInt());
        assertEquals(body, log.get("request_head").asText());
        assertTrue(log.get("duration").asLong() >= 0);
        assertTrue(log.get("time_to_first_byte").asLong() >= 0);
        assertFalse(log.toString().contains("sk-secret-key-123"), "the provider key is never stored");
        assertTrue(log.get("expires_at").asText().startsWith("20"));
    }

    @Test
    void upstreamErrorStatusesPassThroughUnchanged() throws Exception {
        String error = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}";
        stub.on("/v1/chat/completions", StubUpstream.json(429, error, Map.of("retry-after", "7")));
        HttpResponse<String> r = gw.post("/v1/a/default/openai/chat/completions", "{\"model\":\"m\"}");
        assertEquals(429, r.statusCode());
        assertEquals(error, r.body());
        assertEquals("7", r.headers().firstValue("retry-after").orElseThrow());
        JsonNode log = json(gw.awaitLog("default", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertEquals(429, log.get("status_code").asInt());
        assertFalse(log.get("success").asBoolean());
    }

    @Test
    void nonJsonBinaryBodiesAreProxiedUntouched() throws Exception {
        stub.on("/v1/audio/transcriptions", StubUpstream.echo());
        byte[] bytes = new byte[70_000];
        new Random(7).nextBytes(bytes);
        HttpResponse<byte[]> r = gw.http.send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/audio/transcriptions"))
                .header("content-type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertArrayEquals(bytes, r.body());
        assertArrayEquals(bytes, stub.lastRequest().body());
    }

    @Test
    void unreachableUpstreamIs502() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (Harness dead = Harness.forProvider("openai", java.net.URI.create("http://127.0.0.1:" + closedPort + "/v1"))) {
            HttpResponse<String> r = dead.post("/v1/a/g/openai/chat/completions", "{}");
            assertEquals(502, r.statusCode());
            assertEquals(2010, ErrorBodies.code(r.body()));
            JsonNode log = json(dead.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
            assertEquals(502, log.get("status_code").asInt());
            assertEquals(2010, log.get("error_code").asInt());
        }
    }

    @Test
    void upstreamSlowerThanTheRequestTimeoutIs504() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.slow(3_000, StubUpstream.json(200, "{}")));
        HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}", "cf-aig-request-timeout", "200");
        assertEquals(504, r.statusCode());
        assertEquals(2011, ErrorBodies.code(r.body()));
        assertTrue(ErrorBodies.message(r.body()).contains("200 ms"));
    }

    @Test
    void defaultFirstByteTimeoutIsConfigurable() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.slow(3_000, StubUpstream.json(200, "{}")));
        try (Harness g = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_DEFAULT_REQUEST_TIMEOUT_MS", "150"))) {
            assertEquals(504, g.post("/v1/a/g/openai/chat/completions", "{}").statusCode());
        }
    }

    @Test
    void bodyOverTheLimitIs413AndNeverSent() throws Exception {
        try (Harness small = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_MAX_REQUEST_BYTES", "1024"))) {
            HttpResponse<String> r = small.post("/v1/a/g/openai/chat/completions", "x".repeat(5000));
            assertEquals(413, r.statusCode());
            assertEquals(2006, ErrorBodies.code(r.body()));
            assertEquals(0, stub.calls.get());
            small.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow());
        }
    }

    @Test
    void badInputGetsClearJsonErrorsAndNeverAnUpstreamCall() throws Exception {
        HttpResponse<String> unknown = gw.post("/v1/a/g/not-a-provider/chat/completions", "{}");
        assertEquals(400, unknown.statusCode());
        assertEquals(2003, ErrorBodies.code(unknown.body()));
        assertTrue(unknown.body().contains("anthropic"), unknown.body());

        HttpResponse<String> traversal = gw.send(HttpRequest.newBuilder(
                gw.url("/v1/a/g/openai/%2e%2e/%2e%2e/etc/passwd")).GET());
        assertEquals(400, traversal.statusCode());
        assertEquals(2004, ErrorBodies.code(traversal.body()));

        HttpResponse<String> malformed = gw.send(HttpRequest.newBuilder(gw.url("/v1/acct")).GET());
        assertEquals(400, malformed.statusCode());
        assertEquals(2002, ErrorBodies.code(malformed.body()));

        HttpResponse<String> metadata = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-metadata", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}");
        assertEquals(400, metadata.statusCode());
        assertTrue(metadata.body().contains("at most 5"), metadata.body());
        HttpResponse<String> nested = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-metadata", "{\"a\":{\"b\":1}}");
        assertEquals(400, nested.statusCode());
        assertEquals(2005, ErrorBodies.code(nested.body()));

        HttpResponse<String> nowhere = gw.send(HttpRequest.newBuilder(gw.url("/nowhere")).GET());
        assertEquals(404, nowhere.statusCode());
        assertEquals(0, stub.calls.get(), "no bad request ever reaches a provider");
        for (HttpResponse<String> r : List.of(unknown, traversal, malformed, metadata, nowhere)) {
            assertFalse(r.body().contains("Exception"), r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        }
    }

    @Test
    void collectLogFalseSkipsTheRecord() throws Exception {
        stub.on("/v1/embeddings", StubUpstream.json(200, "{\"usage\":{\"prompt_tokens\":4}}"));
        HttpResponse<String> r = gw.post("/v1/a/nolog/openai/embeddings", "{}", "cf-aig-collect-log", "false");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("cf-aig-log-id").isEmpty());
        Thread.sleep(300);
        JsonNode list = json(gw.admin("/api/v1/gateways/nolog/logs").body());
        assertEquals(0, list.get("result").size());
        assertEquals(1, gw.metrics.size(), "metrics are still counted");
    }

    @Test
    void serverSentEventsReachTheClientBeforeTheUpstreamFinishes() throws Exception {
        CountDownLatch clientSawFirstEvent = new CountDownLatch(1);
        List<String> events = StubUpstream.openAiChunks("Hel", "lo");
        stub.on("/v1/chat/completions", exchange -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(events.get(0).getBytes(StandardCharsets.UTF_8));
            out.flush();
            // The rest is sent only after the client has the first event: a gateway that buffered would hang here.
            if (!clientSawFirstEvent.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the first event never reached the client");
            }
            for (String e : events.subList(1, events.size())) {
                out.write(e.getBytes(StandardCharsets.UTF_8));
            }
        });
        HttpResponse<InputStream> r = gw.http.send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        StringBuilder all = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String first = reader.readLine();
            assertTrue(first.contains("\"Hel\""), first);
            clientSawFirstEvent.countDown();
            all.append(first).append('\n');
            String line;
            while ((line = reader.readLine()) != null) {
                all.append(line).append('\n');
            }
        }
        assertEquals(String.join("", events), all.toString());
        JsonNode log = json(gw.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertTrue(log.get("stream").asBoolean());
        assertEquals(11, log.get("tokens_in").asInt());
        assertEquals(2, log.get("tokens_out").asInt());
        assertEquals("ok", log.get("outcome").asText());
    }

    @Test
    void clientThatDisconnectsCancelsTheUpstreamCall() throws Exception {
        List<String> endless = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            endless.add("data: {\"choices\":[{\"delta\":{\"content\":\"w" + i + "\"}}]}\n\n");
        }
        stub.on("/v1/chat/completions", stub.sse(endless, 50));
        String logId;
        try (Socket socket = new Socket("127.0.0.1", gw.server.port())) {
            String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true}";
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String id = null;
            while ((line = reader.readLine()) != null) {
                if (line.toLowerCase().startsWith("cf-aig-log-id:")) {
                    id = line.substring(line.indexOf(':') + 1).trim();
                }
                if (line.contains("\"w0\"")) {
                    break;
                }
            }
            logId = id;
        } // the client is gone
        assertTrue(stub.streamCancelled.await(5, TimeUnit.SECONDS), "the upstream stream was cancelled");
        JsonNode log = json(gw.awaitLog("g", logId)).get("result");
        assertEquals("client_disconnected", log.get("outcome").asText());
    }

    @Test
    void upstreamThatDropsMidStreamEndsTheClientResponseAbruptly() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.dropMidBody("data: {\"choices\":[]}\n\n"));
        HttpResponse<InputStream> r = gw.http.send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertThrows(java.io.IOException.class, () -> r.body().readAllBytes(), "a truncated stream is not complete");
        JsonNode log = json(gw.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertEquals("upstream_disconnected", log.get("outcome").asText());
        assertFalse(log.get("success").asBoolean());
    }

    @Test
    void oneMetricsDocumentPerRequestWithTheDesignedDimensionSets() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        // only a configured gateway gets series of its own (MetricCardinalityTest)
        assertEquals(200, gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/team-a"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))).statusCode());
        gw.post("/v1/a/team-a/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}");
        gw.post("/v1/a/team-a/nope/x", "{}");
        long deadline = System.currentTimeMillis() + 2000;
        while (gw.metrics.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, gw.metrics.size());
        JsonNode doc = json(gw.metrics.get(0));
        JsonNode directive = doc.get("_aws").get("CloudWatchMetrics").get(0);
        assertEquals("AIGateway", directive.get("Namespace").asText());
        assertEquals("[[\"Gateway\"],[\"Gateway\",\"Provider\"],[\"Gateway\",\"Provider\",\"Model\"]]",
                directive.get("Dimensions").toString());
        assertEquals("team-a", doc.get("Gateway").asText());
        assertEquals("openai", doc.get("Provider").asText());
        assertEquals("gpt-4o-mini", doc.get("Model").asText());
        assertEquals(1, doc.get("Requests").asInt());
        assertEquals(0, doc.get("Errors").asInt());
        assertEquals(12, doc.get("TokensIn").asInt());
        assertEquals(3, doc.get("TokensOut").asInt());
        assertNotNull(doc.get("Latency"));
        assertNotNull(doc.get("TimeToFirstByte"));
        assertNotNull(doc.get("UpstreamLatency"));
        assertEquals(1, json(gw.metrics.get(1)).get("Errors").asInt());
    }
}
