package io.aigateway.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.core.Json;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rate limits through whole gateways (HTTP server transport), on DynamoDB Local and a loopback upstream. */
class RateLimitGatewayTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private StubUpstream stub;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on(CHAT, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        stub.close();
    }

    /** One gateway "instance" on {@code table}: its own DynamoDB client, app and HTTP server; EMF docs to a list. */
    private record Instance(GatewayHttpServer server, List<String> metrics) {
        URI url(String path) {
            return URI.create("http://127.0.0.1:" + server.port() + path);
        }
    }

    private Instance instance(String table, Map<String, String> extraEnv) {
        return instance(table, extraEnv, new ExecutionInterceptor[0]);
    }

    private Instance instance(String table, Map<String, String> extraEnv, ExecutionInterceptor... storeFaults) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("GATEWAY_TABLE", table);
        env.put("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1");
        env.put("GATEWAY_ADMIN_TOKEN", Harness.ADMIN_TOKEN);
        DynamoDbClient dynamo = StoreClients.counting(new StoreStats(), storeFaults);
        List<String> metrics = new CopyOnWriteArrayList<>();
        GatewayApp app = GatewayApp.create(GatewayConfig.fromEnv(env), dynamo,
                new RequestMetrics(RequestMetrics.sinkOf(metrics::add), true));
        GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0));
        closing.add(dynamo);
        closing.add(app);
        closing.add(server);
        return new Instance(server, metrics);
    }

    /** Waits for the next aligned window when fewer than {@code needed} seconds are left in the current one. */
    private static void roomInWindow(int intervalSeconds, int needed) throws InterruptedException {
        long windowMillis = intervalSeconds * 1000L;
        long left = windowMillis - System.currentTimeMillis() % windowMillis;
        if (left < needed * 1000L) {
            Thread.sleep(left + 200);
        }
    }

    private static HttpRequest chat(URI uri, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    /** The gateway's code and message, from an error in the provider's shape (OpenAI here). */
    private static JsonNode error(HttpResponse<String> r) throws Exception {
        int code = io.aigateway.testing.ErrorBodies.code(r.body());
        assertEquals(Integer.toString(code), r.headers().firstValue("cf-aig-error-code").orElseThrow());
        return Json.MAPPER.createObjectNode().put("code", code)
                .put("message", io.aigateway.testing.ErrorBodies.message(r.body()));
    }

    /** The EMF document of one request (found by its log id). */
    private static JsonNode metricsOf(List<String> docs, String logId) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            for (String doc : docs) {
                JsonNode d = Json.MAPPER.readTree(doc);
                if (logId.equals(d.path("logId").asText())) {
                    return d;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no metrics document for " + logId + " in " + docs);
    }

    @Test
    void twoGatewayInstancesOnOneTableTogetherAllowExactlyTheLimit() throws Exception {
        String table = DynamoDbLocal.newTable();
        Map<String, String> env = Map.of("GATEWAY_DEFAULT_RATE_LIMIT", "20",
                "GATEWAY_DEFAULT_RATE_LIMIT_INTERVAL", "60", "GATEWAY_DEFAULT_RATE_LIMIT_TECHNIQUE", "fixed");
        Instance a = instance(table, env);
        Instance b = instance(table, env);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        closing.add(http::close);

        // Warm both instances (JIT, connections, the settings of "default") with requests to another gateway and
        // one to "default" (counted below), so the burst measures the counters and not DynamoDB Local's cold start.
        for (Instance i : List.of(a, b)) {
            for (int n = 0; n < 3; n++) {
                assertEquals(200, http.send(chat(i.url("/v1/acct/warm-up/openai/chat/completions")),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
        }
        roomInWindow(60, 20); // all requests to "default" must land in one fixed window
        stub.calls.set(0);
        a.metrics().clear();
        b.metrics().clear();
        // 100 requests, alternating between the instances, 25 in flight at any time: every counter call races
        // others on the same item from both instances, while DynamoDB Local (one SQLite file, serialized writes,
        // in this JVM) keeps its queue short enough that no call runs into the store deadline and fails open.
        Semaphore inFlight = new Semaphore(25);
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Instance to = i % 2 == 0 ? a : b;
            inFlight.acquire();
            sent.add(http.sendAsync(chat(to.url("/v1/acct/default/openai/chat/completions")),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
        }
        int ok = 0;
        int counted = 0;
        int limited = 0;
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            HttpResponse<String> r = f.join();
            if (r.statusCode() == 200) {
                ok++;
                counted += r.headers().firstValue("ratelimit-limit").isPresent() ? 1 : 0;
                continue;
            }
            assertEquals(429, r.statusCode(), r.body());
            limited++;
            long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertEquals("0", r.headers().firstValue("ratelimit-remaining").orElseThrow());
            assertEquals("20", r.headers().firstValue("ratelimit-limit").orElseThrow());
            assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
            JsonNode e = error(r);
            assertEquals(2009, e.get("code").asInt());
            assertTrue(e.get("message").asText().startsWith(
                    "Rate limit exceeded: gateway 'default' allows 20 requests per 60 seconds (fixed window). Retry after "),
                    e.get("message").asText());
        }
        // one metrics document per request (written when the request's record completes, just after the response)
        long deadline = System.currentTimeMillis() + 10_000;
        while (a.metrics().size() + b.metrics().size() < 100 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        long rateLimitedDocs = 0;
        long storeErrors = 0;
        for (Instance i : List.of(a, b)) {
            for (String doc : i.metrics()) {
                rateLimitedDocs += Json.MAPPER.readTree(doc).path("RateLimited").asInt();
                storeErrors += Json.MAPPER.readTree(doc).path("StoreErrors").asInt();
            }
        }
        assertEquals(0, storeErrors, "no store failure (a failed counter lets a request through: fail open)");
        assertEquals(20, ok, "exactly the limit across both instances");
        assertEquals(20, counted, "every request that passed was counted and says so in RateLimit-* headers");
        assertEquals(80, limited);
        assertEquals(20, stub.calls.get(), "refused requests never reach the provider");
        assertEquals(80, rateLimitedDocs);
    }

    @Test
    void aRateLimitedRequestIsLoggedAndCountedInMetrics() throws Exception {
        try (Harness gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_DEFAULT_RATE_LIMIT", "1", "GATEWAY_DEFAULT_RATE_LIMIT_INTERVAL", "3600"))) {
            roomInWindow(3600, 10);
            HttpResponse<String> first = gw.post("/v1/a/g/openai/chat/completions", BODY);
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("0", first.headers().firstValue("ratelimit-remaining").orElseThrow());
            HttpResponse<String> second = gw.post("/v1/a/g/openai/chat/completions", BODY);
            assertEquals(429, second.statusCode());
            assertEquals(1, stub.calls.get());

            String logId = second.headers().firstValue("cf-aig-log-id").orElseThrow();
            JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", logId)).get("result");
            assertEquals(429, log.get("status_code").asInt());
            assertEquals(2009, log.get("error_code").asInt());
            assertFalse(log.get("success").asBoolean());

            JsonNode doc = metricsOf(gw.metrics, logId);
            assertEquals(1, doc.get("RateLimited").asInt());
            assertEquals(1, doc.get("Requests").asInt());
            assertEquals(0, doc.get("StoreErrors").asInt());
            JsonNode okDoc = metricsOf(gw.metrics, first.headers().firstValue("cf-aig-log-id").orElseThrow());
            assertEquals(0, okDoc.get("RateLimited").asInt());
        }
    }

    @Test
    void perClientRulesSetThroughTheSettingsApi() throws Exception {
        try (Harness gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1"))) {
            for (String[] gatewayAndScope : new String[][] {
                    {"hdr", "header:x-user-id"}, {"meta", "metadata:user"}, {"ip", "ip"}}) {
                HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/" + gatewayAndScope[0]))
                        .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"rate_limiting_rules\":[{\"scope\":\""
                                + gatewayAndScope[1] + "\",\"limit\":2,\"interval\":3600}]}")));
                assertEquals(200, put.statusCode(), put.body());
            }
            roomInWindow(3600, 20);
            String userA = "sk-user-a-" + UUID.randomUUID();

            // header:x-user-id
            String hdr = "/v1/a/hdr/openai/chat/completions";
            assertEquals(200, gw.post(hdr, BODY, "x-user-id", userA).statusCode());
            assertEquals(200, gw.post(hdr, BODY, "x-user-id", userA).statusCode());
            HttpResponse<String> third = gw.post(hdr, BODY, "x-user-id", userA);
            assertEquals(429, third.statusCode());
            assertFalse(third.body().contains(userA), "a header value may be a key: never echoed");
            assertTrue(error(third).get("message").asText().contains("rule 'header:x-user-id'"));
            assertTrue(Long.parseLong(third.headers().firstValue("retry-after").orElseThrow()) >= 1);
            HttpResponse<String> userB = gw.post(hdr, BODY, "x-user-id", "user-b");
            assertEquals(200, userB.statusCode(), "user B still passes");
            assertEquals("1", userB.headers().firstValue("ratelimit-remaining").orElseThrow());
            assertEquals(200, gw.post(hdr, BODY).statusCode(), "without the header the rule does not apply");
            String limitedLog = gw.awaitLog("hdr", third.headers().firstValue("cf-aig-log-id").orElseThrow());
            assertFalse(limitedLog.contains(userA), "the log of the refusal holds no header value either");

            // metadata:user
            String meta = "/v1/a/meta/openai/chat/completions";
            String alice = "{\"user\":\"alice\"}";
            assertEquals(200, gw.post(meta, BODY, "cf-aig-metadata", alice).statusCode());
            assertEquals(200, gw.post(meta, BODY, "cf-aig-metadata", alice).statusCode());
            assertEquals(429, gw.post(meta, BODY, "cf-aig-metadata", alice).statusCode());
            assertEquals(200, gw.post(meta, BODY, "cf-aig-metadata", "{\"user\":\"bob\"}").statusCode());

            // ip: every request here comes from 127.0.0.1; a forged x-forwarded-for does not escape the limit
            String ip = "/v1/a/ip/openai/chat/completions";
            assertEquals(200, gw.post(ip, BODY).statusCode());
            assertEquals(200, gw.post(ip, BODY, "x-forwarded-for", "198.51.100.7").statusCode());
            assertEquals(429, gw.post(ip, BODY, "x-forwarded-for", "198.51.100.8").statusCode());

            assertEquals(9, stub.calls.get());
        }
    }

    /**
     * The counter store unreachable while the settings are not: counter updates ({@code UpdateItem}) fail as an
     * unreachable store fails them. (With the settings unreadable too, a gateway with none known refuses with 503:
     * SettingsFailClosedTest.)
     */
    private static final ExecutionInterceptor COUNTERS_DOWN = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if ("UpdateItem".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                throw SdkClientException.create("counter store unreachable (test outage)");
            }
        }
    };

    @Test
    void anUnreachableCounterStoreFailsOpenAndCountsStoreErrors() throws Exception {
        Instance gw = instance(DynamoDbLocal.newTable(), Map.of("GATEWAY_DEFAULT_RATE_LIMIT", "1",
                "GATEWAY_DEFAULT_RATE_LIMIT_INTERVAL", "3600"), COUNTERS_DOWN);
        HttpClient http = HttpClient.newHttpClient();
        closing.add(http::close);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = http.send(chat(gw.url("/v1/a/g/openai/chat/completions")),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "limit 1, yet all pass: the limiter cannot count, so it lets them by");
            assertTrue(r.headers().firstValue("ratelimit-limit").isEmpty());
            JsonNode doc = metricsOf(gw.metrics(), r.headers().firstValue("cf-aig-log-id").orElseThrow());
            assertTrue(doc.get("StoreErrors").asInt() >= 1, doc.toString());
            assertEquals(0, doc.get("RateLimited").asInt());
        }
        assertEquals(3, stub.calls.get());
    }

    @Test
    void anUnreachableCounterStoreWithFailClosedRefuses() throws Exception {
        Instance gw = instance(DynamoDbLocal.newTable(), Map.of("GATEWAY_DEFAULT_RATE_LIMIT", "100",
                "GATEWAY_DEFAULT_RATE_LIMIT_INTERVAL", "60", "GATEWAY_DEFAULT_RATE_LIMIT_FAIL_CLOSED", "true"),
                COUNTERS_DOWN);
        HttpClient http = HttpClient.newHttpClient();
        closing.add(http::close);
        HttpResponse<String> r = http.send(chat(gw.url("/v1/a/g/openai/chat/completions")),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(429, r.statusCode());
        assertTrue(r.headers().firstValue("retry-after").isPresent());
        JsonNode e = error(r);
        assertEquals(2009, e.get("code").asInt());
        assertTrue(e.get("message").asText().contains("is unavailable"), e.get("message").asText());
        assertEquals(0, stub.calls.get());
        JsonNode doc = metricsOf(gw.metrics(), r.headers().firstValue("cf-aig-log-id").orElseThrow());
        assertEquals(1, doc.get("RateLimited").asInt());
        assertTrue(doc.get("StoreErrors").asInt() >= 1);
    }
}
