package io.aigateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cache hit saves exactly what the original request cost, cached-token discounts included. */
class CacheCostSavedTest {
    private static final String ANSWER = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":10,\"total_tokens\":1010,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":800}}}";

    @Test
    void costSavedOnAHitEqualsTheOriginalRequestsCost() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, ANSWER));
            String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
            HttpResponse<String> miss = gw.post("/v1/a/g/openai/chat/completions", body, "cf-aig-cache-ttl", "600");
            JsonNode original = Json.MAPPER.readTree(gw.awaitLog("g", miss.headers().firstValue("cf-aig-log-id")
                    .orElseThrow())).get("result");
            assertEquals(800, original.get("tokens_cached").asInt(), original.toString());
            HttpResponse<String> hit = gw.post("/v1/a/g/openai/chat/completions", body, "cf-aig-cache-ttl", "600");
            assertEquals("HIT", hit.headers().firstValue("cf-aig-cache-status").orElseThrow());
            JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", hit.headers().firstValue("cf-aig-log-id")
                    .orElseThrow())).get("result");
            assertTrue(original.get("cost").asDouble() > 0, original.toString());
            assertEquals(original.get("cost").asDouble(), log.get("cost_saved").asDouble(), 1e-15, log.toString());
            assertEquals(0.0, log.get("cost").asDouble());
        }
    }
}
