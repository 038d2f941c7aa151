package io.aigateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.provider.Usage;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cost through the whole gateway: table prices, cf-aig-custom-cost, per-gateway overrides, unknown models. */
class CostWiringTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private JsonNode logOf(String gateway, HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(gw.awaitLog(gateway, r.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
    }

    private static String completion(String model) {
        return "{\"model\":\"" + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":400}}}";
    }

    @Test
    void tablePriceWithCachedTokens() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, completion("gpt-4o-mini-2024-07-18")));
        JsonNode log = logOf("g", gw.post("/v1/a/g/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}"));
        Usage usage = new Usage();
        usage.offerIn(1000);
        usage.offerOut(500);
        double expected = CostCalculator.standard().cost("openai", "gpt-4o-mini", usage).usd();
        assertTrue(log.get("cost").asDouble() > 0);
        assertTrue(log.get("cost").asDouble() < expected, "400 cached tokens are cheaper than full-price input");
        long deadline = System.currentTimeMillis() + 2000;
        while (gw.metrics.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(log.get("cost").asDouble(), Json.MAPPER.readTree(gw.metrics.get(0)).get("Cost").asDouble(), 1e-12);
    }

    @Test
    void customCostHeaderIsAppliedExactlyAndValidated() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, completion("gpt-4o-mini")));
        JsonNode log = logOf("g", gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-custom-cost", "{\"per_token_in\":0.000001,\"per_token_out\":0.000002}"));
        // 600 uncached + 400 cached (cache reads default to per_token_in) + 500 out
        assertEquals(1000 * 0.000001 + 500 * 0.000002, log.get("cost").asDouble(), 1e-12);

        JsonNode total = logOf("g", gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cf-aig-custom-cost", "{\"total_cost\":0.25}"));
        assertEquals(0.25, total.get("cost").asDouble(), 1e-12);

        int before = stub.calls.get();
        HttpResponse<String> bad = gw.post("/v1/a/g/openai/chat/completions", "{}", "cf-aig-custom-cost", "{\"per_token\":1}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("cf-aig-custom-cost"), bad.body());
        assertEquals(before, stub.calls.get(), "refused before any provider call");
    }

    @Test
    void unknownModelCostsNullNotZeroAndGatewayOverridesBeatTheTable() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, completion("my-fine-tune-xyz")));
        JsonNode unknown = logOf("g", gw.post("/v1/a/g/openai/chat/completions", "{\"model\":\"my-fine-tune-xyz\"}"));
        assertTrue(unknown.get("cost").isNull(), unknown.toString());

        HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/priced"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"price_overrides\":{\"my-fine-tune-xyz\":{\"input\":2.0,\"output\":4.0}}}")));
        assertEquals(200, put.statusCode(), put.body());
        JsonNode priced = logOf("priced", gw.post("/v1/a/priced/openai/chat/completions", "{\"model\":\"my-fine-tune-xyz\"}"));
        assertEquals((1000 * 2.0 + 500 * 4.0) / 1e6, priced.get("cost").asDouble(), 1e-9);

        HttpResponse<String> badPut = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/priced"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"price_overrides\":{\"m\":{\"input\":-1}}}")));
        assertEquals(400, badPut.statusCode());
    }
}
