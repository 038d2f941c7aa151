package io.aigateway.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Browser clients: preflights answered at the gateway, CORS headers on every answer, the gateway's errors included. */
class CorsTest {
    private static final String APP = "https://app.example.com";
    private static final String CHAT = "/v1/a/web/openai/chat/completions";

    private static HttpResponse<String> preflight(Harness gw, String path, String origin) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type, cf-aig-metadata"));
    }

    @Test
    void preflightsAreAnsweredHereAndEveryAnswerToAnAllowedOriginCarriesCorsHeaders() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/web"))
                    .header("authorization", "Bearer " + Harness.ADMIN_TOKEN).header("content-type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"cors_origins\":[\"" + APP + "\"],"
                            + "\"rate_limiting_limit\":1,\"rate_limiting_interval\":60}")));
            assertEquals(200, put.statusCode(), put.body());

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> p = preflight(gw, CHAT, APP);
                assertEquals(204, p.statusCode());
                assertEquals(APP, p.headers().firstValue("access-control-allow-origin").orElseThrow());
                assertTrue(p.headers().firstValue("access-control-allow-headers").orElseThrow().contains("cf-aig-metadata"));
                assertTrue(p.headers().firstValue("access-control-allow-methods").orElseThrow().contains("POST"));
            }
            assertEquals(204, preflight(gw, "/v1/a/web", APP).statusCode(), "the universal endpoint too");
            assertEquals(0, stub.calls.get(), "preflights never reach the provider");

            HttpResponse<String> ok = gw.post(CHAT, "{}", "origin", APP);
            assertEquals(200, ok.statusCode(), "preflights did not use up the limit of 1: " + ok.body());
            assertEquals(APP, ok.headers().firstValue("access-control-allow-origin").orElseThrow());
            assertTrue(ok.headers().firstValue("access-control-expose-headers").orElseThrow().contains("cf-aig-log-id"));

            HttpResponse<String> limited = gw.post(CHAT, "{}", "origin", APP);
            assertEquals(429, limited.statusCode());
            assertEquals(APP, limited.headers().firstValue("access-control-allow-origin").orElseThrow(),
                    "a browser sees the 429, not a CORS failure");

            HttpResponse<String> other = preflight(gw, CHAT, "https://evil.example");
            assertEquals(204, other.statusCode());
            assertFalse(other.headers().firstValue("access-control-allow-origin").isPresent());
            gw.app.awaitRecordsStored(5_000);
            JsonNode logs = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/web/logs").body()).get("result");
            assertEquals(2, logs.size(), "the two POSTs are logged, no preflight is: " + logs);

            HttpResponse<String> bad = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/web"))
                    .header("authorization", "Bearer " + Harness.ADMIN_TOKEN).header("content-type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"cors_origins\":[\"https://app.example.com/path\"]}")));
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("cors_origins"), bad.body());
        }
    }
}
