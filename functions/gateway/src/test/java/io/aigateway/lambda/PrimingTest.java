package io.aigateway.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrimingTest {

    @Test
    void primingRunsThePipelineWithoutCallingProvidersOrWritingAnything() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            assertEquals(9, Priming.run(gw.app), "every synthetic request went through the real pipeline");
            Thread.sleep(300); // anything asynchronous would have landed by now
            assertEquals(0, stub.calls.get(), "no provider call");
            assertTrue(gw.metrics.isEmpty(), "no metrics document: " + gw.metrics);
            JsonNode logs = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/prime/logs").body());
            assertEquals(0, logs.get("result").size(), "no log record");
            JsonNode stats = Json.MAPPER.readTree(gw.admin("/api/v1/stats").body()).get("result");
            assertEquals(0, stats.get("proxied_requests").asInt());
            assertEquals(0, stats.get("records_lost").asInt());
            assertEquals(0, stats.get("records_backlog_bytes").asInt(), "nothing journaled");
            JsonNode calls = stats.get("store_calls");
            assertTrue(calls.has("GetItem") || calls.has("Query"), "the store client was warmed with reads: " + stats);
            assertTrue(!calls.has("PutItem") && !calls.has("BatchWriteItem") && !calls.has("UpdateItem"),
                    "nothing written: " + stats);

            // and the gateway still serves real traffic afterwards
            assertEquals(200, gw.post("/v1/a/g/openai/chat/completions", "{}").statusCode());
            assertEquals(1, stub.calls.get());
        }
    }
}
