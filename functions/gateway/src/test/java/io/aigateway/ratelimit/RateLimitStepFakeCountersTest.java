package io.aigateway.ratelimit;

import io.aigateway.config.GatewaySettings;
import io.aigateway.config.RateLimitTechnique;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.RequestOptions;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.pipeline.StepChain;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step on its own, on in-memory counters (no DynamoDB): what it does with allowed, refused and failing counters.
 * The DynamoDB counters themselves are tested on DynamoDB Local (RateLimiterTest).
 */
class RateLimitStepFakeCountersTest {

    /** Counters that allow {@code allow} requests per scope, or fail every call. */
    private static class FakeCounters implements RateCounters {
        final Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
        final List<RateLimiter.Decision> refunded = new ArrayList<>();
        final int allow;
        final boolean failing;

        FakeCounters(int allow, boolean failing) {
            this.allow = allow;
            this.failing = failing;
        }

        @Override
        public RateLimiter.Decision acquire(String gatewayId, String scope, int limit, int intervalSeconds,
                                            RateLimitTechnique technique) {
            if (failing) {
                throw new IllegalStateException("counter store down");
            }
            int n = counts.merge(scope, 1, Integer::sum);
            boolean ok = n <= Math.min(allow, limit);
            return new RateLimiter.Decision(ok, limit, ok ? limit - n : 0, 30, ok ? 0 : 30, scope);
        }

        @Override
        public synchronized void refund(RateLimiter.Decision decision) {
            refunded.add(decision);
        }
    }

    private static GatewaySettings settings(String json) throws Exception {
        return GatewaySettings.defaults("g", Map.of()).merge(Json.MAPPER.readTree(json), 1);
    }

    private static GatewayResponse run(RateLimitStep step, GatewaySettings settings, AtomicInteger reached) {
        Headers headers = Headers.builder().add("content-type", "application/json").build();
        GatewayRequest http = GatewayRequest.of("POST", "/v1/a/g/openai/chat/completions", "", headers,
                "{}".getBytes(StandardCharsets.UTF_8), "10.0.0.1");
        RequestContext ctx = new RequestContext(http, "log-1");
        ctx.addressedTo("a", "g");
        ctx.configure(settings, RequestOptions.parse(headers), null);
        return StepChain.run(List.of(step, chain -> {
            reached.incrementAndGet();
            return GatewayResponse.of(200, Headers.empty(), new ResponseBody.Bytes(new byte[0]));
        }), ctx, new ProxyRequest(http, null, null, false, null));
    }

    @Test
    void allowedRequestsCarryTheTightestLimitsHeaders() throws Exception {
        RateLimitStep step = new RateLimitStep(new FakeCounters(100, false));
        AtomicInteger reached = new AtomicInteger();
        GatewayResponse r = run(step, settings("{\"rate_limiting_limit\":10,\"rate_limiting_interval\":60}"), reached);
        assertEquals(1, reached.get());
        assertEquals("10", r.headers().firstOrNull("RateLimit-Limit"));
        assertEquals("9", r.headers().firstOrNull("RateLimit-Remaining"));
    }

    @Test
    void aRefusedLimitRefundsTheOthersAndStopsTheRequest() throws Exception {
        FakeCounters counters = new FakeCounters(0, false) {
            @Override
            public RateLimiter.Decision acquire(String gatewayId, String scope, int limit, int intervalSeconds,
                                                RateLimitTechnique technique) {
                boolean gatewayWide = scope.startsWith("gateway:");
                return new RateLimiter.Decision(gatewayWide, limit, gatewayWide ? 1 : 0, 30, gatewayWide ? 0 : 30, scope);
            }
        };
        RateLimitStep step = new RateLimitStep(counters);
        AtomicInteger reached = new AtomicInteger();
        GatewayException e = assertThrows(GatewayException.class, () -> run(step, settings(
                "{\"rate_limiting_limit\":10,\"rate_limiting_interval\":60,"
                        + "\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":1,\"interval\":60}]}"), reached));
        assertEquals(429, e.code().status());
        assertEquals(0, reached.get(), "a refused request goes no further");
        assertEquals(1, counters.refunded.size(), "the gateway-wide count it took is given back");
        assertTrue(counters.refunded.get(0).pk().startsWith("gateway:"));
    }

    @Test
    void failingCountersFailOpenOrClosedAsTheGatewaySays() throws Exception {
        AtomicInteger reached = new AtomicInteger();
        RateLimitStep step = new RateLimitStep(new FakeCounters(0, true));
        assertEquals(200, run(step, settings("{\"rate_limiting_limit\":1,\"rate_limiting_interval\":60}"), reached)
                .status(), "fail open by default");
        GatewayException e = assertThrows(GatewayException.class, () -> run(step, settings(
                "{\"rate_limiting_limit\":1,\"rate_limiting_interval\":60,\"rate_limiting_fail_closed\":true}"),
                reached));
        assertEquals(429, e.code().status());
        assertEquals(1, reached.get());
    }
}
