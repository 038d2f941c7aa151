package io.aigateway.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Analytics from the hourly rollups written with each log, on DynamoDB Local. */
class AnalyticsApiTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)); // 12 in, 3 out
        stub.on("/v1/embeddings", StubUpstream.json(500, "{\"error\":\"down\"}"));
        stub.on("/v1/messages", StubUpstream.json(200, "{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":5}}"));
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri().toString()));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private void send(String path, String body, String team) throws Exception {
        String id = gw.post(path, body, "cf-aig-metadata", "{\"team\":\"" + team + "\"}")
                .headers().firstValue("cf-aig-log-id").orElseThrow();
        gw.awaitLog("stats", id);
    }

    private JsonNode analytics(String query) throws Exception {
        var r = gw.admin("/api/v1/gateways/stats/analytics?" + query);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body()).get("result");
    }

    private static Map<String, JsonNode> byKey(JsonNode result) {
        Map<String, JsonNode> groups = new HashMap<>();
        result.get("groups").forEach(g -> groups.put(g.get("key").asText(), g));
        return groups;
    }

    @Test
    void groupsByProviderModelAndMetadataWithTotals() throws Exception {
        for (int i = 0; i < 3; i++) {
            send("/v1/a/stats/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}", "search");
        }
        send("/v1/a/stats/openai/embeddings", "{\"model\":\"text-embedding-3-small\"}", "search");
        send("/v1/a/stats/anthropic/v1/messages", "{\"model\":\"claude-haiku-4-5\"}", "ads");
        Thread.sleep(200); // counters are written beside the log, in the same background batch

        JsonNode byProvider = analytics("group_by=provider");
        Map<String, JsonNode> p = byKey(byProvider);
        assertEquals(4, p.get("openai").get("requests").asInt());
        assertEquals(1, p.get("openai").get("errors").asInt());
        assertEquals(36, p.get("openai").get("tokens_in").asInt());
        assertEquals(9, p.get("openai").get("tokens_out").asInt());
        assertEquals(1, p.get("anthropic").get("requests").asInt());
        assertEquals(5, byProvider.get("totals").get("requests").asInt());
        assertTrue(byProvider.get("totals").get("latency_p95").asLong() >= byProvider.get("totals").get("latency_p50").asLong());
        assertEquals(1, p.get("openai").get("series").size(), "one hourly bucket");

        Map<String, JsonNode> m = byKey(analytics("group_by=model&bucket=day"));
        assertEquals(3, m.get("gpt-4o-mini").get("requests").asInt());
        assertEquals(1, m.get("text-embedding-3-small").get("errors").asInt());

        Map<String, JsonNode> t = byKey(analytics("group_by=metadata.team"));
        assertEquals(4, t.get("search").get("requests").asInt());
        assertEquals(7, t.get("ads").get("tokens_in").asInt());
    }

    @Test
    void rangeAndParametersAreValidated() throws Exception {
        assertEquals(0, analytics("from=2020-01-01T00:00:00Z&to=2020-01-01T05:00:00Z").get("groups").size());
        assertEquals(400, gw.admin("/api/v1/gateways/stats/analytics?group_by=color").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/stats/analytics?bucket=minute").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/stats/analytics?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/stats/analytics?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z").statusCode());
    }
}
