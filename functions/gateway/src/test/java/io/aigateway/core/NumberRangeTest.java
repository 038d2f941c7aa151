package io.aigateway.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numbers from clients that DynamoDB could not store are refused at the edge (2041), so they can never make the
 * ingest reject a batch; numbers it can store pass and are logged. (JSON numbers are read as doubles, so what is
 * stored never has more than 17 significant digits: the 38-digit rule cannot be broken through these fields.)
 */
class NumberRangeTest {
    private static final String CHAT = "/v1/a/g/openai/chat/completions";

    private static int code(HttpResponse<String> r) throws Exception {
        return io.aigateway.testing.ErrorBodies.code(r.body());
    }

    @Test
    void outOfRangeNumbersAnswer400With2041AndStorableOnesPass() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            for (String meta : new String[]{"{\"a\":1e308}", "{\"a\":1e-200}", "{\"a\":-1e126}",
                    "{\"a\":1e400}"}) {
                HttpResponse<String> r = gw.post(CHAT, "{}", "cf-aig-metadata", meta);
                assertEquals(400, r.statusCode(), meta + " -> " + r.body());
                assertEquals(2041, code(r), r.body());
                assertTrue(r.body().contains("cf-aig-metadata"), r.body());
            }
            HttpResponse<String> cost = gw.post(CHAT, "{}", "cf-aig-custom-cost", "{\"total_cost\":1e300}");
            assertEquals(400, cost.statusCode(), cost.body());
            assertEquals(2041, code(cost));
            assertEquals(0, stub.calls.get(), "refused before any provider call");

            HttpResponse<String> ok = gw.post(CHAT, "{}", "cf-aig-metadata", "{\"a\":1.5,\"b\":0,\"c\":9e125}",
                    "cf-aig-custom-cost", "{\"total_cost\":0.25}");
            assertEquals(200, ok.statusCode(), ok.body());
            JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", ok.headers().firstValue("cf-aig-log-id").orElseThrow()))
                    .get("result");
            assertEquals(9e125, log.get("metadata").get("c").asDouble());
            assertEquals(0.25, log.get("cost").asDouble());
        }
    }
}
