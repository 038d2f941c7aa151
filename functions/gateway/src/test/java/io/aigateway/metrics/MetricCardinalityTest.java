package io.aigateway.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client input never mints metric series: whatever gateway ids, providers and models 500 requests name, the EMF
 * documents carry dimension values from bounded sets only, while the logs keep the raw values.
 */
class MetricCardinalityTest {
    private static final String CHAT = "/chat/completions";

    private static String body(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static String random() {
        return UUID.randomUUID().toString().substring(0, 12);
    }

    @Test
    void fiveHundredRandomRequestsMakeABoundedSetOfDimensionValues() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            for (String[] g : new String[][]{{"prod", "{}"}, {"secure", "{\"authentication\":true}"}}) {
                HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/" + g[0]))
                        .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString(g[1])));
                assertEquals(200, put.statusCode(), put.body());
            }
            assertEquals(200, gw.post("/v1/a/prod/openai" + CHAT, body("raw-model-kept")).statusCode());
            for (int i = 0; i < 500; i++) {
                HttpResponse<String> r = switch (i % 6) {
                    // an unconfigured gateway (any id works), a known provider, an unknown model
                    case 0 -> gw.post("/v1/a/gw-" + random() + "/openai" + CHAT, body("model-" + random()));
                    // an unknown provider slug (400)
                    case 1 -> gw.post("/v1/a/gw-" + random() + "/p" + random() + CHAT, body("model-" + random()));
                    // a configured gateway, an unknown model
                    case 2 -> gw.post("/v1/a/prod/openai" + CHAT, body("model-" + random()));
                    // a configured gateway, a priced model (a dated snapshot of it shares its series)
                    case 3 -> gw.post("/v1/a/prod/openai" + CHAT, body((i / 6) % 2 == 0 ? "gpt-4o-mini" : "gpt-4o-mini-2024-07-18"));
                    // refused by authentication
                    case 4 -> gw.post("/v1/a/secure/openai" + CHAT, body("model-" + random()));
                    // a configured gateway, an unknown provider
                    default -> gw.post("/v1/a/prod/x" + random() + CHAT, body("gpt-4o-mini"));
                };
            }
            long deadline = System.currentTimeMillis() + 5_000;
            while (gw.metrics.size() < 501 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(501, gw.metrics.size(), "one document per request");

            Set<String> gateways = new HashSet<>();
            Set<String> providers = new HashSet<>();
            Set<String> models = new HashSet<>();
            Set<List<String>> series = new HashSet<>();
            for (String line : gw.metrics) {
                JsonNode doc = Json.MAPPER.readTree(line);
                String g = doc.get("Gateway").asText();
                String p = doc.get("Provider").asText();
                String m = doc.get("Model").asText();
                gateways.add(g);
                providers.add(p);
                models.add(m);
                series.add(List.of(g, p, m));
                if ("secure".equals(g)) {
                    assertEquals("other", p, "a request refused by authentication has no per-provider series");
                    assertEquals("other", m, "... and no per-model series");
                }
            }
            assertEquals(Set.of("other", "prod", "secure"), gateways);
            assertEquals(Set.of("openai", "other"), providers);
            // "unknown": a request refused before its body was read (this instance's settings-lookup budget for
            // unconfigured ids ran out, which depends on how fast the machine sends the 500)
            assertTrue(Set.of("other", "gpt-4o-mini", "unknown").containsAll(models), "models: " + models);
            assertTrue(models.containsAll(Set.of("other", "gpt-4o-mini")), "models: " + models);
            assertTrue(series.size() <= 7, "series: " + series); // the six cases, and the budget-refused one

            // the log keeps the raw values
            assertTrue(awaitLogged(gw, "&model=raw-model-kept", "raw-model-kept"), "the log keeps the model as sent");
            assertTrue(awaitLogged(gw, "", "model-"), "the log keeps the model as sent");
        }
    }

    private static boolean awaitLogged(Harness gw, String filter, String modelPrefix) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode logs = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/prod/logs?limit=100" + filter).body())
                    .get("result");
            for (JsonNode l : logs) {
                if (l.path("model").asText().startsWith(modelPrefix)) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }
}
