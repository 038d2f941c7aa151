package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.GatewayApp;
import io.aigateway.core.Json;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewaySettingsApiTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_DEFAULT_RETRY_MAX_ATTEMPTS", "2", "GATEWAY_SETTINGS_REFRESH_SECONDS", "1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> put(String id, String json) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/" + id))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    void createReadListUpdateDelete() throws Exception {
        assertEquals(404, gw.admin("/api/v1/gateways/prod").statusCode(), "not configured yet");
        HttpResponse<String> created = put("prod", "{\"cache_ttl\":300,\"rate_limiting_limit\":100,"
                + "\"rate_limiting_interval\":60,\"rate_limiting_technique\":\"sliding\",\"collect_logs\":true}");
        assertEquals(200, created.statusCode(), created.body());
        JsonNode result = Json.MAPPER.readTree(created.body()).get("result");
        assertEquals(300, result.get("cache_ttl").asInt());
        assertEquals("sliding", result.get("rate_limiting_technique").asText());
        assertEquals(2, result.get("retry_max_attempts").asInt(), "unset fields come from GATEWAY_DEFAULT_*");
        assertTrue(result.has("created_at"));

        JsonNode partial = Json.MAPPER.readTree(put("prod", "{\"cache_ttl\":0}").body()).get("result");
        assertEquals(0, partial.get("cache_ttl").asInt());
        assertEquals(100, partial.get("rate_limiting_limit").asInt(), "a PUT keeps what it does not name");

        put("staging", "{}");
        JsonNode list = Json.MAPPER.readTree(gw.admin("/api/v1/gateways").body());
        assertEquals(2, list.get("result").size());

        HttpResponse<String> deleted = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/staging"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN).DELETE());
        assertEquals(200, deleted.statusCode());
        assertEquals(1, Json.MAPPER.readTree(gw.admin("/api/v1/gateways").body()).get("result").size());
    }

    @Test
    void invalidSettingsNameTheField() throws Exception {
        String[][] cases = {
                {"{\"cache_ttl\":5}", "cache_ttl"},
                {"{\"rate_limiting_technique\":\"leaky\"}", "rate_limiting_technique"},
                {"{\"retry_max_attempts\":9}", "retry_max_attempts"},
                {"{\"retry_delay\":6000}", "retry_delay"},
                {"{\"retry_backoff\":\"random\"}", "retry_backoff"},
                {"{\"authentication\":\"yes\"}", "authentication"},
                {"{\"nonsense\":1}", "nonsense"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"cookie:x\",\"limit\":1,\"interval\":1}]}", "rate_limiting_rules[0].scope"},
                {"[1]", ""},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = put("bad", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            assertTrue(c[1].isEmpty() ? r.body().contains("JSON object") : r.body().contains("'" + c[1] + "'"), r.body());
        }
        assertEquals(404, gw.admin("/api/v1/gateways/bad").statusCode(), "nothing stored on a bad PUT");
    }

    @Test
    void collectLogsSettingTurnsLoggingOffAndTheRequestHeaderFlipsIt() throws Exception {
        put("quiet", "{\"collect_logs\":false}");
        HttpResponse<String> r = gw.post("/v1/a/quiet/openai/chat/completions", "{}");
        assertTrue(r.headers().firstValue("cf-aig-log-id").isEmpty());
        HttpResponse<String> forced = gw.post("/v1/a/quiet/openai/chat/completions", "{}", "cf-aig-collect-log", "true");
        gw.awaitLog("quiet", forced.headers().firstValue("cf-aig-log-id").orElseThrow());
    }

    @Test
    void anotherInstanceSeesAChangeWithinTheRefreshInterval() throws Exception {
        // A second instance on the same table, as another Lambda execution environment would be.
        GatewayConfig config = GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", gw.table,
                "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1", "GATEWAY_SETTINGS_REFRESH_SECONDS", "1"));
        try (GatewayApp other = GatewayApp.create(config, DynamoDbLocal.client(), new RequestMetrics(null, false));
             GatewayHttpServer server = GatewayHttpServer.start(other.gateway(), new InetSocketAddress("127.0.0.1", 0))) {
            HttpRequest.Builder call = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port()
                    + "/v1/a/shared/openai/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{}"));
            assertEquals(200, gw.http.send(call.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            put("shared", "{\"authentication\":true}");
            long deadline = System.currentTimeMillis() + 5_000;
            int status = 200;
            while (status == 200 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
                status = gw.http.send(call.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            }
            assertEquals(401, status, "the other instance picked up authentication: true");
        }
    }

    @Test
    void settingsDocumentRoundTrips() {
        GatewaySettings s = GatewaySettings.defaults("x", Map.of()).merge(Json.MAPPER.valueToTree(Map.of(
                "rate_limiting_rules", java.util.List.of(Map.of("scope", "header:x-user-id", "limit", 5, "interval", 60)))),
                1000);
        GatewaySettings back = GatewaySettings.fromJson("x", s.toJson(), Map.of());
        assertEquals(s.rateLimitingRules(), back.rateLimitingRules());
        assertEquals(1000, back.createdAt());
        assertFalse(back.authentication());
    }
}
