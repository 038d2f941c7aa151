package io.aigateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminApiTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/embeddings", StubUpstream.json(500, "{\"error\":\"boom\"}"));
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    @Test
    void refusesMissingAndWrongTokensWithJson() throws Exception {
        for (String auth : new String[]{null, "Bearer wrong", "Basic " + Harness.ADMIN_TOKEN, "Bearer"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(gw.url("/api/v1/gateways/default/logs")).GET();
            if (auth != null) {
                b.header("authorization", auth);
            }
            HttpResponse<String> r = gw.send(b);
            assertEquals(401, r.statusCode(), String.valueOf(auth));
            assertEquals(2008, Json.MAPPER.readTree(r.body()).get("error").get(0).get("code").asInt());
        }
    }

    @Test
    void listsWithFiltersAndCursorAndGetsOne() throws Exception {
        String last = null;
        for (int i = 0; i < 5; i++) {
            last = gw.post("/v1/a/team/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}")
                    .headers().firstValue("cf-aig-log-id").orElseThrow();
        }
        String failed = gw.post("/v1/a/team/openai/embeddings", "{\"model\":\"text-embedding-3-small\"}")
                .headers().firstValue("cf-aig-log-id").orElseThrow();
        gw.awaitLog("team", last);
        gw.awaitLog("team", failed);

        JsonNode page1 = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?limit=4").body());
        assertTrue(page1.get("success").asBoolean());
        assertEquals(4, page1.get("result").size());
        assertEquals(failed, page1.get("result").get(0).get("id").asText(), "newest first");
        String cursor = page1.get("result_info").get("cursor").asText();
        JsonNode page2 = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?limit=4&cursor=" + cursor).body());
        assertEquals(2, page2.get("result").size());
        assertFalse(page2.get("result_info").has("cursor"));

        assertEquals(1, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?success=false").body()).get("result").size());
        assertEquals(1, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?status_code=500").body()).get("result").size());
        assertEquals(5, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?model=gpt-4o-mini").body()).get("result").size());
        assertEquals(6, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?provider=openai&from=2020-01-01T00:00:00Z").body()).get("result").size());
        assertEquals(0, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs?to=2020-01-01T00:00:00Z").body()).get("result").size());

        JsonNode one = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/team/logs/" + failed).body());
        assertEquals(500, one.get("result").get("status_code").asInt());
    }

    @Test
    void badParametersAndUnknownLogsAreClearErrors() throws Exception {
        HttpResponse<String> missing = gw.admin("/api/v1/gateways/team/logs/01JADMCQQQBWH3NXZ5GCRN98DP");
        assertEquals(404, missing.statusCode());
        assertEquals(2012, Json.MAPPER.readTree(missing.body()).get("error").get(0).get("code").asInt());
        assertEquals(400, gw.admin("/api/v1/gateways/team/logs?limit=1000").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/team/logs?cursor=bogus").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/team/logs?from=yesterday").statusCode());
        assertEquals(400, gw.admin("/api/v1/gateways/team/logs?success=maybe").statusCode());
        assertEquals(404, gw.admin("/api/v1/other").statusCode());
        HttpResponse<String> post = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/team/logs"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(405, post.statusCode());
    }
}
