package io.aigateway.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.Errors;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.core.Json;
import io.aigateway.core.RequestOptions;
import io.aigateway.core.ResponseBody;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step on its own: a request context built here with settings that carry rules, run through the step with a one-line
 * terminal chain (standing in for the rest of the pipeline). The counters are real, on DynamoDB Local.
 */
class RateLimitStepTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_800_000_000L);

    private final String table = DynamoDbLocal.newTable();
    private final StoreStats stats = new StoreStats();
    private final List<DynamoDbClient> clients = new ArrayList<>();
    private final TestClock clock = new TestClock(T0.plusSeconds(15));

    @AfterEach
    void close() {
        clients.forEach(DynamoDbClient::close);
    }

    private DynamoDbClient client(ExecutionInterceptor... extra) {
        DynamoDbClient c = StoreClients.counting(stats, extra);
        clients.add(c);
        return c;
    }

    private RateLimitStep step() {
        return new RateLimitStep(new RateLimiter(client(), table, clock));
    }

    private static GatewaySettings settings(String json) throws Exception {
        return GatewaySettings.defaults("g", Map.of()).merge(Json.MAPPER.readTree(json), 1);
    }

    private static RequestContext exchange(GatewaySettings settings, String ip, String... headers) {
        Headers.Builder h = Headers.builder().add("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        Headers built = h.build();
        RequestContext ex = new RequestContext(GatewayRequest.of("POST", "/v1/a/g/openai/chat/completions", "", built,
                "{}".getBytes(StandardCharsets.UTF_8), ip), "log-1");
        ex.addressedTo("a", "g");
        ex.configure(settings, RequestOptions.parse(built), null);
        return ex;
    }

    /** The rest of the pipeline: answers 200 and counts how often it was reached. */
    private static final class Rest implements Interceptor.Chain {
        private final RequestContext ex;
        final AtomicInteger reached = new AtomicInteger();

        Rest(RequestContext ex) {
            this.ex = ex;
        }

        @Override
        public ProxyRequest request() {
            return new ProxyRequest(ex.clientRequest(), null, null, false, null);
        }

        @Override
        public RequestContext context() {
            return ex;
        }

        @Override
        public GatewayResponse proceed(ProxyRequest request) {
            reached.incrementAndGet();
            return GatewayResponse.of(200, Headers.builder().add("content-type", "application/json").build(),
                    new ResponseBody.Bytes("{}".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Runs one request through the step: the response, or the 429 as the transport would send it. */
    private static GatewayResponse run(RateLimitStep step, RequestContext ex) {
        Rest rest = new Rest(ex);
        try {
            GatewayResponse r = step.intercept(rest);
            assertEquals(1, rest.reached.get(), "an allowed request goes on exactly once");
            return r;
        } catch (GatewayException e) {
            assertEquals(0, rest.reached.get(), "a refused request goes no further");
            assertEquals(ErrorCode.RATE_LIMITED, e.code());
            return Errors.response(e);
        }
    }

    private static String header(GatewayResponse r, String name) {
        return r.headers().firstOrNull(name);
    }

    private static JsonNode error(GatewayResponse r) throws Exception {
        JsonNode body = Json.MAPPER.readTree(((ResponseBody.Bytes) r.body()).data());
        assertFalse(body.get("success").asBoolean());
        assertEquals(2009, body.get("error").get(0).get("code").asInt());
        return body.get("error").get(0);
    }

    @Test
    void noLimitConfiguredMeansNoStoreCall() throws Exception {
        RateLimitStep step = step();
        GatewaySettings none = settings("{\"rate_limiting_limit\":0}");
        for (int i = 0; i < 3; i++) {
            GatewayResponse r = run(step, exchange(none, "10.0.0.1"));
            assertEquals(200, r.status());
            assertNull(header(r, "RateLimit-Limit"));
        }
        assertEquals(0, StoreClients.totalCalls(stats));
    }

    @Test
    void gatewayLimitAddsHeadersWhileAllowedAndRefusesWith429RetryAfterAndJson() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_limit\":3,\"rate_limiting_interval\":60}");
        for (int i = 1; i <= 3; i++) {
            GatewayResponse ok = run(step, exchange(s, "10.0.0.1"));
            assertEquals(200, ok.status());
            assertEquals("3", header(ok, "RateLimit-Limit"));
            assertEquals(Integer.toString(3 - i), header(ok, "RateLimit-Remaining"));
            assertEquals("45", header(ok, "RateLimit-Reset"));
        }
        RequestContext ex = exchange(s, "10.0.0.1");
        GatewayResponse refused = run(step, ex);
        assertEquals(429, refused.status());
        assertTrue(ex.rateLimited());
        assertEquals(0, ex.storeErrors());
        assertEquals("45", header(refused, "Retry-After"));
        assertEquals("3", header(refused, "RateLimit-Limit"));
        assertEquals("0", header(refused, "RateLimit-Remaining"));
        assertEquals("45", header(refused, "RateLimit-Reset"));
        assertEquals("application/json", header(refused, "content-type"));
        assertEquals("Rate limit exceeded: gateway 'g' allows 3 requests per 60 seconds (fixed window). "
                + "Retry after 45 seconds.", error(refused).get("message").asText());
        assertEquals(4, StoreClients.calls(stats, "UpdateItem"), "one counter call per request");
    }

    @Test
    void headerRuleLimitsEachValueOnItsOwnAndNeverEchoesTheValue() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"header:x-user-id\",\"limit\":2,"
                + "\"interval\":60}]}");
        String a = "user-a-secret-token";
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "x-user-id", a)).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "x-user-id", a)).status());
        GatewayResponse third = run(step, exchange(s, "10.0.0.1", "X-User-Id", a));
        assertEquals(429, third.status());
        String message = error(third).get("message").asText();
        assertEquals("Rate limit exceeded: rule 'header:x-user-id' of gateway 'g' allows 2 requests per 60 seconds "
                + "per value of header 'x-user-id' (fixed window). Retry after 45 seconds.", message);
        assertFalse(third.headers().toString().contains(a));

        GatewayResponse b = run(step, exchange(s, "10.0.0.1", "x-user-id", "user-b"));
        assertEquals(200, b.status(), "user B has a counter of its own");
        assertEquals("1", header(b, "RateLimit-Remaining"));
        assertEquals(200, run(step, exchange(s, "10.0.0.1")).status(), "no header: the shared no-value counter");

        // keys hold a digest, never the value
        DynamoDbLocal.client().scan(r -> r.tableName(table)).items().forEach(item -> {
            assertFalse(item.get("pk").s().contains(a), item.get("pk").s());
            assertTrue(item.get("pk").s().startsWith("RL#g#header:x-user-id="), item.get("pk").s());
        });
    }

    @Test
    void metadataRuleLimitsEachValue() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"metadata:user\",\"limit\":2,"
                + "\"interval\":60,\"technique\":\"sliding\"}]}");
        String alice = "{\"user\":\"alice\",\"team\":\"search\"}";
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", alice)).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.2", "cf-aig-metadata", alice)).status());
        GatewayResponse third = run(step, exchange(s, "10.0.0.3", "cf-aig-metadata", alice));
        assertEquals(429, third.status());
        assertTrue(error(third).get("message").asText().contains("per value of cf-aig-metadata key 'user' (sliding window)"));
        assertFalse(error(third).get("message").asText().contains("alice"));
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":42}")).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"team\":\"search\"}")).status());
    }

    @Test
    void aMissingOrBlankValueNeverEscapesARule() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"header:x-user-id\",\"limit\":2,"
                + "\"interval\":60},{\"scope\":\"metadata:user\",\"limit\":3,\"interval\":60}]}");
        // without the header (or with it blank) every request shares one counter of that rule
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":\"a\"}")).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.2", "x-user-id", "   ", "cf-aig-metadata", "{\"user\":\"b\"}"))
                .status());
        GatewayResponse third = run(step, exchange(s, "10.0.0.3", "x-user-id", "", "cf-aig-metadata", "{\"user\":\"c\"}"));
        assertEquals(429, third.status(), "a missing or blank header is one shared bucket, not a way around the rule");
        assertTrue(error(third).get("message").asText().contains("header 'x-user-id'"));
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "x-user-id", "u1")).status(), "u1 has its own counter");

        // the same for a metadata key: missing, blank or not sent at all
        GatewaySettings m = settings("{\"rate_limiting_rules\":[{\"scope\":\"metadata:team\",\"limit\":2,"
                + "\"interval\":60}]}");
        assertEquals(200, run(step, exchange(m, "10.0.0.1")).status());
        assertEquals(200, run(step, exchange(m, "10.0.0.1", "cf-aig-metadata", "{\"team\":\" \"}")).status());
        assertEquals(429, run(step, exchange(m, "10.0.0.1", "cf-aig-metadata", "{\"other\":1}")).status());
        assertEquals(200, run(step, exchange(m, "10.0.0.1", "cf-aig-metadata", "{\"team\":\"x\"}")).status());
    }

    @Test
    void numbersAndTheirSpellingsShareOneCounter() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"metadata:user\",\"limit\":3,"
                + "\"interval\":60}]}");
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":1}")).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":\"1\"}")).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":1.0}")).status());
        assertEquals(429, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":\" 1.00 \"}")).status(),
                "1, \"1\", 1.0 and \"1.00\" are one user");
        assertEquals(429, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":1e0}")).status());
        assertEquals(200, run(step, exchange(s, "10.0.0.1", "cf-aig-metadata", "{\"user\":2}")).status());

        GatewaySettings h = settings("{\"rate_limiting_rules\":[{\"scope\":\"header:x-user-id\",\"limit\":1,"
                + "\"interval\":60}]}");
        assertEquals(200, run(step, exchange(h, "10.0.0.1", "x-user-id", "42")).status());
        assertEquals(429, run(step, exchange(h, "10.0.0.1", "x-user-id", "42.0")).status());
    }

    @Test
    void oneIpv6ClientCannotTakeAFreshAddressPerRequest() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":2,\"interval\":3600}]}");
        assertEquals(200, run(step, exchange(s, "2001:db8:1:2::1")).status());
        assertEquals(200, run(step, exchange(s, "2001:db8:1:2:aaaa:bbbb:cccc:dddd")).status());
        assertEquals(429, run(step, exchange(s, "2001:0db8:0001:0002::ffff")).status(), "one /64 is one client");
        assertEquals(200, run(step, exchange(s, "2001:db8:1:3::1")).status(), "another /64 is another client");
        assertEquals(200, run(step, exchange(s, "::ffff:192.0.2.1")).status());
        assertEquals(200, run(step, exchange(s, "192.0.2.1")).status());
        assertEquals(429, run(step, exchange(s, "192.0.2.1")).status(), "an IPv4-mapped address is its IPv4 address");
    }

    @Test
    void ipRuleLimitsEachClientAddress() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":1,\"interval\":3600}]}");
        assertEquals(200, run(step, exchange(s, "203.0.113.7")).status());
        GatewayResponse again = run(step, exchange(s, "203.0.113.7", "x-forwarded-for", "198.51.100.1"));
        assertEquals(429, again.status(), "x-forwarded-for is not trusted: the source address is the client");
        assertTrue(error(again).get("message").asText().contains("per client IP"));
        assertFalse(error(again).get("message").asText().contains("203.0.113.7"));
        assertEquals(200, run(step, exchange(s, "2001:db8::1")).status());
    }

    @Test
    void theTightestLimitIsReportedAndARefusalByOneLimitGivesBackWhatTheOthersCounted() throws Exception {
        RateLimitStep step = step();
        GatewaySettings s = settings("{\"rate_limiting_limit\":5,\"rate_limiting_interval\":60,"
                + "\"rate_limiting_rules\":[{\"scope\":\"header:x-user-id\",\"limit\":2,\"interval\":60},"
                + "{\"scope\":\"ip\",\"limit\":100,\"interval\":3600}]}");
        GatewayResponse first = run(step, exchange(s, "10.0.0.1", "x-user-id", "a"));
        assertEquals("2", header(first, "RateLimit-Limit"), "the per-user rule is the tightest");
        assertEquals("1", header(first, "RateLimit-Remaining"));
        assertEquals(3, StoreClients.calls(stats, "UpdateItem"), "three limits, three counters");

        assertEquals(200, run(step, exchange(s, "10.0.0.1", "x-user-id", "a")).status());
        // user A keeps trying: refused by the user rule every time, and the gateway-wide count is given back
        for (int i = 0; i < 10; i++) {
            assertEquals(429, run(step, exchange(s, "10.0.0.1", "x-user-id", "a")).status());
        }
        // so the gateway still has 3 of its 5 for everybody else
        for (int i = 0; i < 3; i++) {
            GatewayResponse other = run(step, exchange(s, "10.0.0.2", "x-user-id", "other-" + i));
            assertEquals(200, other.status());
        }
        GatewayResponse full = run(step, exchange(s, "10.0.0.2", "x-user-id", "late"));
        assertEquals(429, full.status());
        assertTrue(error(full).get("message").asText().startsWith("Rate limit exceeded: gateway 'g' allows 5"));
        assertEquals("5", header(full, "RateLimit-Limit"));
    }

    @Test
    void severalLimitsAreCheckedInParallel() throws Exception {
        // Each counter call waits (in the SDK, before sending) until all three are in flight: were they made one
        // after another, the first would wait in vain and the deadline would turn it into a store failure.
        CountDownLatch allInFlight = new CountDownLatch(3);
        ExecutionInterceptor barrier = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                allInFlight.countDown();
                try {
                    allInFlight.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        RateLimitStep step = new RateLimitStep(new RateLimiter(client(barrier), table, clock), Duration.ofSeconds(10));
        GatewaySettings s = settings("{\"rate_limiting_limit\":10,\"rate_limiting_interval\":60,"
                + "\"rate_limiting_rules\":[{\"scope\":\"header:x-user-id\",\"limit\":5,\"interval\":60},"
                + "{\"scope\":\"metadata:team\",\"limit\":7,\"interval\":60}]}");
        RequestContext ex = exchange(s, "10.0.0.1", "x-user-id", "a", "cf-aig-metadata", "{\"team\":\"x\"}");
        GatewayResponse r = run(step, ex);
        assertEquals(200, r.status());
        assertEquals(0, ex.storeErrors());
        assertEquals(0, allInFlight.getCount());
        assertEquals("5", header(r, "RateLimit-Limit"));
        assertEquals("4", header(r, "RateLimit-Remaining"));
    }

    @Test
    void storeFailureFailsOpenByDefaultAndCountsAStoreError() throws Exception {
        RateLimitStep step = new RateLimitStep(new RateLimiter(client(), "no-such-table", clock));
        GatewaySettings s = settings("{\"rate_limiting_limit\":1,\"rate_limiting_interval\":60,"
                + "\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":1,\"interval\":60}]}");
        List<String> docs = new CopyOnWriteArrayList<>();
        RequestMetrics metrics = new RequestMetrics(RequestMetrics.sinkOf(docs::add), true);
        for (int i = 0; i < 3; i++) {
            RequestContext ex = exchange(s, "10.0.0.1");
            GatewayResponse r = run(step, ex);
            assertEquals(200, r.status(), "fails open: the request is proxied");
            assertNull(header(r, "RateLimit-Limit"), "no counter, no rate-limit headers");
            assertEquals(1, ex.storeErrors(), "one store error per request, however many limits failed");
            assertFalse(ex.rateLimited());
            ex.answer().status(200);
            ex.finish();
            metrics.line(ex, io.aigateway.cost.Charge.UNKNOWN, null);
        }
        JsonNode doc = Json.MAPPER.readTree(docs.get(0));
        assertEquals(1, doc.get("StoreErrors").asInt());
        assertEquals(0, doc.get("RateLimited").asInt());
    }

    @Test
    void storeFailureWithFailClosedRefusesWith429SayingTheLimiterIsUnavailable() throws Exception {
        RateLimitStep step = new RateLimitStep(new RateLimiter(client(), "no-such-table", clock));
        GatewaySettings s = settings("{\"rate_limiting_limit\":100,\"rate_limiting_interval\":60,"
                + "\"rate_limiting_fail_closed\":true}");
        RequestContext ex = exchange(s, "10.0.0.1");
        GatewayResponse r = run(step, ex);
        assertEquals(429, r.status());
        assertEquals(1, ex.storeErrors());
        assertTrue(ex.rateLimited());
        assertEquals("5", header(r, "Retry-After"));
        assertTrue(error(r).get("message").asText().contains("rate limiter of gateway 'g' is unavailable"),
                error(r).toString());
    }

    @Test
    void aSlowStoreIsAStoreFailureOnceTheDeadlinePasses() throws Exception {
        ExecutionInterceptor slow = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        RateLimitStep step = new RateLimitStep(new RateLimiter(client(slow), table, clock), Duration.ofMillis(100));
        GatewaySettings open = settings("{\"rate_limiting_limit\":1,\"rate_limiting_interval\":60}");
        RequestContext ex = exchange(open, "10.0.0.1");
        assertEquals(200, run(step, ex).status());
        assertEquals(1, ex.storeErrors());

        GatewaySettings closed = settings("{\"rate_limiting_limit\":1,\"rate_limiting_interval\":60,"
                + "\"rate_limiting_fail_closed\":true}");
        RequestContext ex2 = exchange(closed, "10.0.0.1");
        assertEquals(429, run(step, ex2).status());
        assertEquals(1, ex2.storeErrors());
    }

    @Test
    void rulesOnTheSameScopeAndWindowShareOneCounterAtTheStricterLimit() throws Exception {
        GatewaySettings s = settings("{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5,\"interval\":60},"
                + "{\"scope\":\"ip\",\"limit\":2,\"interval\":60},{\"scope\":\"ip\",\"limit\":50,\"interval\":3600}]}");
        List<RateLimitStep.Applied> applied = RateLimitStep.applicable(exchange(s, "10.0.0.1"), GatewayRequest.of("POST", "/", "", Headers.builder().build(), new byte[0], "10.0.0.1"));
        assertEquals(List.of(2, 50), applied.stream().map(RateLimitStep.Applied::limit).toList());
    }
}
