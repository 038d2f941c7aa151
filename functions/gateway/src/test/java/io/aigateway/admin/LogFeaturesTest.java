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

/** Logs users can work with: filters, feedback, deletion by filter, stored bodies. */
class LogFeaturesTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/embeddings", StubUpstream.json(200, "{\"usage\":{\"prompt_tokens\":900}}"));
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private String call(String path, String body, String... headers) throws Exception {
        HttpResponse<String> r = gw.post(path, body, headers);
        String id = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        gw.awaitLog("g", id);
        return id;
    }

    private JsonNode list(String query) throws Exception {
        HttpResponse<String> r = gw.admin("/api/v1/gateways/g/logs?" + query);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body()).get("result");
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void filtersByMetadataEventIdTokensAndDuration() throws Exception {
        String a = call("/v1/a/g/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}",
                "cf-aig-metadata", "{\"user\":\"u-1\",\"tier\":2,\"beta\":true}", "cf-aig-event-id", "evt-a");
        String b = call("/v1/a/g/openai/embeddings", "{\"model\":\"text-embedding-3-small\"}",
                "cf-aig-metadata", "{\"user\":\"u-2\"}");

        assertEquals(a, list("metadata.user=u-1").get(0).get("id").asText());
        assertEquals(1, list("metadata.user=u-1").size());
        assertEquals(1, list("metadata.tier=2").size(), "numbers match their text form");
        assertEquals(1, list("metadata.beta=true").size(), "booleans too");
        assertEquals(1, list("metadata.tier=").size(), "key present, any value");
        assertEquals(1, list("event_id=evt-a").size());
        assertEquals(b, list("min_tokens_in=500").get(0).get("id").asText());
        assertEquals(1, list("max_tokens_in=500").size());
        assertEquals(1, list("min_tokens_out=1&max_tokens_out=10").size(), "embeddings report no output tokens");
        assertEquals(2, list("min_duration=0&max_duration=600000").size());
        assertEquals(0, list("cached=true").size());
        assertEquals(2, list("cached=false").size());
        assertEquals(400, gw.admin("/api/v1/gateways/g/logs?min_cost=cheap").statusCode());
    }

    @Test
    void feedbackScoreAndMetadataCanBePatched() throws Exception {
        String id = call("/v1/a/g/openai/chat/completions", "{}", "cf-aig-metadata", "{\"user\":\"u-1\"}");
        HttpResponse<String> r = admin("PATCH", "/api/v1/gateways/g/logs/" + id,
                "{\"feedback\":1,\"score\":0.75,\"metadata\":{\"user\":\"u-1\",\"reviewed\":true}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode log = Json.MAPPER.readTree(r.body()).get("result");
        assertEquals(1, log.get("feedback").asInt());
        assertEquals(0.75, log.get("score").asDouble());
        assertTrue(log.get("metadata").get("reviewed").asBoolean());
        assertEquals(1, list("feedback=1").size());
        assertEquals(0, list("feedback=-1").size());

        assertEquals(400, admin("PATCH", "/api/v1/gateways/g/logs/" + id, "{\"feedback\":5}").statusCode());
        assertEquals(400, admin("PATCH", "/api/v1/gateways/g/logs/" + id, "{\"status_code\":200}").statusCode());
        assertEquals(404, admin("PATCH", "/api/v1/gateways/g/logs/01JADMCQQQBWH3NXZ5GCRN98DP", "{\"feedback\":1}").statusCode());
    }

    @Test
    void deleteByFilterRemovesOnlyMatchingLogs() throws Exception {
        for (int i = 0; i < 3; i++) {
            call("/v1/a/g/openai/chat/completions", "{}", "cf-aig-metadata", "{\"user\":\"gone\"}");
        }
        String kept = call("/v1/a/g/openai/chat/completions", "{}", "cf-aig-metadata", "{\"user\":\"kept\"}");
        HttpResponse<String> r = admin("DELETE", "/api/v1/gateways/g/logs?metadata.user=gone", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(3, Json.MAPPER.readTree(r.body()).get("result").get("deleted").asInt());
        JsonNode left = list("");
        assertEquals(1, left.size());
        assertEquals(kept, left.get(0).get("id").asText());
    }

    @Test
    void bodiesAreStoredCompressedAndCanBeSkipped() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(10_000) + "\"}]}";
        String id = call("/v1/a/g/openai/chat/completions", body);
        HttpResponse<String> req = gw.admin("/api/v1/gateways/g/logs/" + id + "/request");
        assertEquals(200, req.statusCode());
        assertEquals(body, req.body(), "the whole request body, not just its head");
        assertEquals(StubUpstream.CHAT_COMPLETION, gw.admin("/api/v1/gateways/g/logs/" + id + "/response").body());

        String quiet = call("/v1/a/g/openai/chat/completions", body, "cf-aig-collect-log-payload", "false");
        assertEquals(404, gw.admin("/api/v1/gateways/g/logs/" + quiet + "/request").statusCode());
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", quiet)).get("result");
        assertTrue(log.get("request_head").isNull(), "no heads either");
        assertFalse(log.toString().contains("xxxx"));
        assertEquals(200, log.get("status_code").asInt(), "the log itself is kept");
    }
}
