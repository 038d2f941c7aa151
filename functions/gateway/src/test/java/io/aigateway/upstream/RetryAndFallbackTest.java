package io.aigateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryAndFallbackTest {
    private StubUpstream stub;
    private StubUpstream backup;
    private Harness gw;
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream();
        backup = new StubUpstream();
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", backup.baseUri().toString(),
                "GATEWAY_UPSTREAM_GROQ", "http://127.0.0.1:" + closedPort + "/openai/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
        backup.close();
    }

    /** Fails {@code failures} times with {@code status}, then answers. */
    private static StubUpstream.Reply flaky(int failures, int status, Map<String, String> headers) {
        AtomicInteger n = new AtomicInteger();
        return exchange -> {
            if (n.incrementAndGet() <= failures) {
                StubUpstream.json(status, "{\"error\":\"try again\"}", headers).answer(exchange);
            } else {
                StubUpstream.json(200, StubUpstream.CHAT_COMPLETION).answer(exchange);
            }
        };
    }

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @Test
    void retriesServerErrorsUpToMaxAttempts() throws Exception {
        stub.on("/v1/chat/completions", flaky(2, 503, Map.of()));
        HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-max-attempts", "3", "cf-aig-retry-delay", "10", "cf-aig-backoff", "exponential");
        assertEquals(200, r.statusCode());
        assertEquals(3, stub.calls.get());
        JsonNode log = json(gw.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertEquals(3, log.get("attempts").asInt());
        JsonNode metrics = json(gw.metrics.get(gw.metrics.size() - 1));
        assertEquals(2, metrics.get("Retries").asInt());
    }

    @Test
    void givesUpAfterMaxAttemptsAndPassesTheLastAnswerThrough() throws Exception {
        stub.on("/v1/chat/completions", flaky(5, 500, Map.of()));
        HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-max-attempts", "2", "cf-aig-retry-delay", "0");
        assertEquals(500, r.statusCode());
        assertEquals(2, stub.calls.get());
    }

    @Test
    void clientErrorsAreNeverRetried() throws Exception {
        stub.on("/v1/chat/completions", flaky(5, 400, Map.of()));
        assertEquals(400, gw.post("/v1/a/g/openai/chat/completions", "{}", "cf-aig-max-attempts", "5").statusCode());
        assertEquals(1, stub.calls.get());
    }

    @Test
    void honoursRetryAfterWithinBoundsAndNotBeyond() throws Exception {
        stub.on("/v1/chat/completions", flaky(1, 429, Map.of("retry-after", "0.05")));
        assertEquals(200, gw.post("/v1/a/g/openai/chat/completions", "{}", "cf-aig-max-attempts", "2").statusCode());
        assertEquals(2, stub.calls.get());

        stub.on("/v1/embeddings", flaky(1, 429, Map.of("retry-after", "60")));
        HttpResponse<String> r = gw.post("/v1/a/g/openai/embeddings", "{}", "cf-aig-max-attempts", "3");
        assertEquals(429, r.statusCode(), "a minute is beyond the 5 s bound: the provider's answer goes back as is");
        assertEquals("60", r.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void retryHeadersAreValidated() throws Exception {
        for (String[] h : new String[][]{{"cf-aig-max-attempts", "6"}, {"cf-aig-retry-delay", "5001"},
                {"cf-aig-backoff", "random"}, {"cf-aig-request-timeout", "-1"}}) {
            HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}", h[0], h[1]);
            assertEquals(400, r.statusCode(), h[0]);
            assertTrue(r.body().contains(h[0]), r.body());
        }
        assertEquals(0, stub.calls.get());
    }

    @Test
    void timeoutsAreRetriedToo() throws Exception {
        AtomicInteger n = new AtomicInteger();
        stub.on("/v1/chat/completions", exchange -> {
            if (n.incrementAndGet() == 1) {
                Thread.sleep(1_000);
            }
            StubUpstream.json(200, StubUpstream.CHAT_COMPLETION).answer(exchange);
        });
        HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-request-timeout", "200", "cf-aig-max-attempts", "2", "cf-aig-retry-delay", "0");
        assertEquals(200, r.statusCode());
    }

    @Test
    void universalEndpointFallsBackInOrderAndSaysWhichStepAnswered() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(503, "{\"error\":\"overloaded\"}"));
        String message = "{\"id\":\"msg\",\"type\":\"message\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}";
        backup.on("/v1/messages", StubUpstream.json(200, message));
        String steps = "[" +
                "{\"provider\":\"groq\",\"endpoint\":\"chat/completions\",\"headers\":{\"authorization\":\"Bearer g\"},"
                + "\"query\":{\"model\":\"llama\",\"messages\":[]}}," +
                "{\"provider\":\"openai\",\"endpoint\":\"chat/completions\",\"headers\":{\"authorization\":\"Bearer o\"},"
                + "\"config\":{\"maxAttempts\":2,\"retryDelay\":0},\"query\":{\"model\":\"gpt-4o-mini\",\"messages\":[]}}," +
                "{\"provider\":\"anthropic\",\"endpoint\":\"v1/messages\",\"headers\":{\"x-api-key\":\"sk-ant\","
                + "\"anthropic-version\":\"2023-06-01\"},\"query\":{\"model\":\"claude-haiku-4-5\",\"max_tokens\":10,\"messages\":[]}}" +
                "]";
        HttpResponse<String> r = gw.post("/v1/a/g", steps, "x-shared", "from-request");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(message, r.body());
        assertEquals("2", r.headers().firstValue("cf-aig-step").orElseThrow());
        assertEquals(2, stub.calls.get(), "step 1 retried inside itself before falling back");
        StubUpstream.Received up = backup.lastRequest();
        assertEquals("/v1/messages", up.path());
        assertEquals("sk-ant", up.header("x-api-key"));
        assertEquals("from-request", up.header("x-shared"), "request headers reach every step");
        assertEquals("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":10,\"messages\":[]}", up.bodyText());

        JsonNode log = json(gw.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertEquals(2, log.get("step").asInt());
        assertEquals("[0,1]", log.get("failed_steps").toString());
        assertEquals("anthropic", log.get("provider").asText());
        assertEquals("claude-haiku-4-5", log.get("model").asText());
        assertEquals(5, log.get("tokens_in").asInt());
        assertEquals(2, json(gw.metrics.get(gw.metrics.size() - 1)).get("Fallbacks").asInt());
    }

    @Test
    void stepHeadersBeatRequestHeadersAndTimeoutsFallBack() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.slow(2_000, StubUpstream.json(200, "{}")));
        backup.on("/v1/messages", StubUpstream.json(200, "{\"ok\":true}"));
        String steps = "[{\"provider\":\"openai\",\"endpoint\":\"chat/completions\",\"config\":{\"requestTimeout\":150},"
                + "\"query\":{}},{\"provider\":\"anthropic\",\"endpoint\":\"v1/messages\",\"headers\":{\"x-shared\":\"step\"},\"query\":{}}]";
        HttpResponse<String> r = gw.post("/v1/a/g", steps, "x-shared", "request");
        assertEquals(200, r.statusCode());
        assertEquals("1", r.headers().firstValue("cf-aig-step").orElseThrow());
        assertEquals("step", backup.lastRequest().header("x-shared"));
    }

    @Test
    void allStepsFailingAnswersWithTheLastFailure() throws Exception {
        String steps = "[{\"provider\":\"groq\",\"endpoint\":\"chat/completions\",\"query\":{}}]";
        HttpResponse<String> r = gw.post("/v1/a/g", steps);
        assertEquals(502, r.statusCode());
        assertEquals("0", r.headers().firstValue("cf-aig-step").orElseThrow());
    }

    @Test
    void universalStepsAreValidatedBeforeAnyCall() throws Exception {
        String[] bodies = {"{}", "[]", "not json", "[{\"provider\":\"nope\",\"endpoint\":\"x\"}]",
                "[{\"provider\":\"openai\"}]", "[{\"provider\":\"openai\",\"endpoint\":\"../admin\"}]",
                "[{\"provider\":\"openai\",\"endpoint\":\"x\",\"config\":{\"maxAttempts\":9}}]"};
        for (String body : bodies) {
            HttpResponse<String> r = gw.post("/v1/a/g", body);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
        }
        assertEquals(0, stub.calls.get());
    }
}
