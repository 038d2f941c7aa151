package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.testing.Harness;
import io.aigateway.testing.ProviderFixtures;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static io.aigateway.compatapi.CompatEndpointTest.CHAT;
import static io.aigateway.compatapi.CompatEndpointTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dynamic routes and model aliases over HTTP: the admin API, and model "dynamic/{name}" on /compat. */
class DynamicRoutesTest {
    private static final String ROUTES = "/api/v1/gateways/gw1/routes/";
    private static final String ASK = "{\"model\":\"dynamic/support\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** With an output cap, so a budget can reserve a realistic estimate before the call. */
    private static final String CAPPED = ASK.replace("{\"model\"", "{\"max_tokens\":9,\"model\"");
    private StubUpstream stub;
    private Harness gw;

    /** start -> if metadata.plan == "free" -> gemini; else claude, falling back to gemini. */
    static final String ROUTE = """
            {"elements":[
              {"id":"start","type":"start","outputs":{"next":{"elementId":"plan"}}},
              {"id":"plan","type":"conditional","properties":{"conditions":{"metadata.plan":{"$eq":"free"}}},
               "outputs":{"true":{"elementId":"gemini"},"false":{"elementId":"claude"}}},
              {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5","retries":0},
               "outputs":{"success":{"elementId":"end"},"fallback":{"elementId":"gemini"}}},
              {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
               "outputs":{"success":{"elementId":"end"}}},
              {"id":"end","type":"end"}]}""";

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        String base = stub.baseUri().toString();
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_ANTHROPIC", base, "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/groq"));
        stub.on("/v1/messages", StubUpstream.json(200, ProviderFixtures.text("anthropic/response-text.json")));
        stub.on("/v1beta/models/gemini-2.5-flash:generateContent",
                StubUpstream.json(200, ProviderFixtures.text("gemini/response-text.json")));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private JsonNode log(HttpResponse<String> r) throws Exception {
        return json(gw.awaitLog("gw1", r.headers().firstValue("cf-aig-log-id").orElseThrow())).path("result");
    }

    @Test
    void aRouteBranchesOnMetadataAndTheLogRecordsThePathAndTheModelThatAnswered() throws Exception {
        assertEquals(200, admin("PUT", ROUTES + "support", ROUTE).statusCode());

        HttpResponse<String> free = gw.post(CHAT, ASK, "authorization", "Bearer k", "cf-aig-metadata", "{\"plan\":\"free\"}");
        assertEquals(200, free.statusCode(), free.body());
        assertEquals("google-ai-studio/gemini-2.5-flash", json(free.body()).path("model").asText());
        JsonNode freeLog = log(free);
        assertEquals("google-ai-studio", freeLog.path("provider").asText());
        assertEquals("gemini-2.5-flash", freeLog.path("model").asText());
        assertEquals("dynamic/support", freeLog.path("requested_model").asText());
        assertEquals("support", freeLog.path("route").asText());
        assertEquals(1, freeLog.path("route_version").asInt());
        assertEquals(List.of("start", "plan", "gemini", "end"), strings(freeLog.path("route_path")));

        HttpResponse<String> paid = gw.post(CHAT, ASK, "authorization", "Bearer k", "cf-aig-metadata", "{\"plan\":\"pro\"}");
        assertEquals("anthropic/claude-sonnet-4-5", json(paid.body()).path("model").asText());
        assertEquals(List.of("start", "plan", "claude", "end"), strings(log(paid).path("route_path")));
    }

    @Test
    void aFailingModelFallsBackToTheNextAndTheAnswerStaysInOpenAiFormat() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(529, ProviderFixtures.text("anthropic/error-overloaded.json")));
        admin("PUT", ROUTES + "support", ROUTE);

        HttpResponse<String> r = gw.post(CHAT, ASK, "authorization", "Bearer k");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat.completion", json(r.body()).path("object").asText());
        JsonNode log = log(r);
        assertEquals(List.of("start", "plan", "claude", "gemini", "end"), strings(log.path("route_path")));
        assertEquals("google-ai-studio", log.path("provider").asText());
        assertEquals(List.of("0"), strings(log.path("failed_steps")));
    }

    @Test
    void aRateLimitElementSendsRequestsOverItsLimitToItsFallback() throws Exception {
        admin("PUT", ROUTES + "support", """
                {"elements":[
                  {"id":"start","type":"start","outputs":{"next":{"elementId":"quota"}}},
                  {"id":"quota","type":"rate_limit","properties":{"limitType":"count","key":"metadata.user","limit":1,"interval":3600},
                   "outputs":{"success":{"elementId":"claude"},"fallback":{"elementId":"gemini"}}},
                  {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"end","type":"end"}]}""");
        String[] user1 = {"authorization", "Bearer k", "cf-aig-metadata", "{\"user\":\"u1\"}"};
        assertEquals("anthropic/claude-sonnet-4-5", json(gw.post(CHAT, ASK, user1).body()).path("model").asText());
        assertEquals("google-ai-studio/gemini-2.5-flash", json(gw.post(CHAT, ASK, user1).body()).path("model").asText());
        assertEquals("anthropic/claude-sonnet-4-5", json(gw.post(CHAT, ASK, "authorization", "Bearer k",
                "cf-aig-metadata", "{\"user\":\"u2\"}").body()).path("model").asText(), "one counter per user");
    }

    @Test
    void routesAreVersionedAndRollBack() throws Exception {
        assertEquals(200, admin("PUT", ROUTES + "support", ROUTE).statusCode());
        String onlyGemini = """
                {"elements":[{"id":"start","type":"start","outputs":{"next":{"elementId":"gemini"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},{"id":"end","type":"end"}]}""";
        HttpResponse<String> v2 = admin("PUT", ROUTES + "support", onlyGemini);
        assertEquals(2, json(v2.body()).at("/result/version").asInt());
        assertEquals(2, json(admin("GET", ROUTES + "support", null).body()).at("/result/version").asInt());
        assertEquals(5, json(admin("GET", ROUTES + "support?version=1", null).body()).at("/result/elements").size());
        assertEquals(2, json(admin("GET", ROUTES + "support/versions", null).body()).path("result").size());
        assertEquals("google-ai-studio/gemini-2.5-flash", json(gw.post(CHAT, ASK, "authorization", "Bearer k").body())
                .path("model").asText());
        // a version can be tried before it is rolled back to
        assertEquals("anthropic/claude-sonnet-4-5", json(gw.post(CHAT, ASK.replace("dynamic/support", "dynamic/support@1"),
                "authorization", "Bearer k").body()).path("model").asText());

        HttpResponse<String> rolled = admin("POST", ROUTES + "support/rollback", "{\"version\":1}");
        assertEquals(200, rolled.statusCode(), rolled.body());
        assertEquals(3, json(rolled.body()).at("/result/version").asInt());
        assertEquals("anthropic/claude-sonnet-4-5", json(gw.post(CHAT, ASK, "authorization", "Bearer k").body())
                .path("model").asText());
        assertEquals(1, json(admin("GET", "/api/v1/gateways/gw1/routes", null).body()).path("result").size());

        assertEquals(200, admin("DELETE", ROUTES + "support", null).statusCode());
        assertEquals(404, admin("GET", ROUTES + "support", null).statusCode());
        HttpResponse<String> gone = gw.post(CHAT, ASK, "authorization", "Bearer k");
        assertEquals(400, gone.statusCode());
        assertEquals("2049", gone.headers().firstValue("cf-aig-error-code").orElseThrow());
        assertTrue(json(gone.body()).at("/error/message").asText().contains("no route named 'support'"));
    }

    @Test
    void anInvalidRouteIsRefusedWith2049AndNothingIsStored() throws Exception {
        HttpResponse<String> dangling = admin("PUT", ROUTES + "support", ROUTE.replace(
                "\"false\":{\"elementId\":\"claude\"}", "\"false\":{\"elementId\":\"nowhere\"}"));
        assertEquals(400, dangling.statusCode(), dangling.body());
        assertTrue(json(dangling.body()).at("/error/0/message").asText().contains("'nowhere', which is no element"));
        HttpResponse<String> cyclic = admin("PUT", ROUTES + "support", ROUTE.replace(
                "\"outputs\":{\"success\":{\"elementId\":\"end\"}}},\n  {\"id\":\"end\"",
                "\"outputs\":{\"success\":{\"elementId\":\"end\"},\"fallback\":{\"elementId\":\"claude\"}}},\n  {\"id\":\"end\""));
        assertEquals(400, cyclic.statusCode(), cyclic.body());
        assertEquals(2049, json(cyclic.body()).at("/error/0/code").asInt());
        assertTrue(json(cyclic.body()).at("/error/0/message").asText().contains("cycle"), cyclic.body());
        assertEquals(404, admin("GET", ROUTES + "support", null).statusCode());
    }

    @Test
    void modelAliasesNameAProviderModelOrARoute() throws Exception {
        stub.on("/groq/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        HttpResponse<String> bad = admin("PUT", "/api/v1/gateways/gw1", "{\"model_aliases\":{\"fast\":\"llama\"}}");
        assertEquals(400, bad.statusCode());
        assertEquals(2049, json(bad.body()).at("/error/0/code").asInt());
        HttpResponse<String> put = admin("PUT", "/api/v1/gateways/gw1",
                "{\"model_aliases\":{\"fast\":\"groq/llama-3.1-8b-instant\",\"smart\":\"dynamic/support\"}}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("groq/llama-3.1-8b-instant", json(put.body()).at("/result/model_aliases/fast").asText());
        admin("PUT", ROUTES + "support", ROUTE);

        HttpResponse<String> fast = gw.post(CHAT, "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "authorization", "Bearer gsk");
        assertEquals(200, fast.statusCode(), fast.body());
        assertEquals("llama-3.1-8b-instant", json(stub.lastRequest().bodyText()).path("model").asText());
        JsonNode log = log(fast);
        assertEquals("fast", log.path("requested_model").asText());
        assertEquals("groq", log.path("provider").asText());

        HttpResponse<String> smart = gw.post(CHAT, "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "authorization", "Bearer k", "cf-aig-metadata", "{\"plan\":\"free\"}");
        assertEquals("google-ai-studio/gemini-2.5-flash", json(smart.body()).path("model").asText());
    }

    @Test
    void aPathEndingWithoutAModelIsAClearError() throws Exception {
        admin("PUT", ROUTES + "support", """
                {"elements":[{"id":"start","type":"start","outputs":{"next":{"elementId":"if"}}},
                  {"id":"if","type":"conditional","properties":{"conditions":{"metadata.plan":"paid"}},
                   "outputs":{"true":{"elementId":"gemini"},"false":{"elementId":"end"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},{"id":"end","type":"end"}]}""");
        HttpResponse<String> r = gw.post(CHAT, ASK, "authorization", "Bearer k");
        assertEquals(400, r.statusCode());
        assertTrue(json(r.body()).at("/error/message").asText().contains("without calling a model"), r.body());
        assertEquals(0, stub.calls.get());
    }

    @Test
    void conditionsReadTheVirtualKeysIdentityWhichTheClientCannotForge() throws Exception {
        assertEquals(200, admin("PUT", "/api/v1/gateways/gw1", "{\"authentication\":true}").statusCode());
        HttpResponse<String> made = admin("POST", "/api/v1/gateways/gw1/tokens",
                "{\"name\":\"research\",\"metadata\":{\"team\":\"research\"}}");
        assertEquals(200, made.statusCode(), made.body());
        String research = json(made.body()).at("/result/token").asText();
        String researchId = json(made.body()).at("/result/id").asText();
        String plain = json(admin("POST", "/api/v1/gateways/gw1/tokens", "{\"name\":\"plain\"}").body())
                .at("/result/token").asText();
        admin("PUT", ROUTES + "support", """
                {"elements":[
                  {"id":"start","type":"start","outputs":{"next":{"elementId":"team"}}},
                  {"id":"team","type":"conditional","properties":{"conditions":{"$or":[
                     {"key.metadata.team":{"$eq":"research"}},{"key.id":{"$eq":"%s"}}]}},
                   "outputs":{"true":{"elementId":"claude"},"false":{"elementId":"by-name"}}},
                  {"id":"by-name","type":"conditional","properties":{"conditions":{"key.name":"plain"}},
                   "outputs":{"true":{"elementId":"gemini"},"false":{"elementId":"end"}}},
                  {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"end","type":"end"}]}""".formatted(researchId));

        HttpResponse<String> byKey = gw.post(CHAT, ASK, "cf-aig-authorization", "Bearer " + research,
                "authorization", "Bearer k");
        assertEquals(200, byKey.statusCode(), byKey.body());
        assertEquals("anthropic/claude-sonnet-4-5", json(byKey.body()).path("model").asText());
        assertEquals(List.of("start", "team", "claude", "end"), strings(log(byKey).path("route_path")));

        // cf-aig-metadata can say team=research, but key.metadata reads only the key's own identity
        HttpResponse<String> forged = gw.post(CHAT, ASK, "cf-aig-authorization", "Bearer " + plain,
                "authorization", "Bearer k", "cf-aig-metadata", "{\"team\":\"research\"}");
        assertEquals(200, forged.statusCode(), forged.body());
        assertEquals("google-ai-studio/gemini-2.5-flash", json(forged.body()).path("model").asText());
        assertEquals(List.of("start", "team", "by-name", "gemini", "end"), strings(log(forged).path("route_path")));
    }

    @Test
    void conditionsReadTheModelTheClientAskedForAndTheProviderThatFailed() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(529, ProviderFixtures.text("anthropic/error-overloaded.json")));
        assertEquals(200, admin("PUT", "/api/v1/gateways/gw1",
                "{\"model_aliases\":{\"fast\":\"dynamic/support\",\"smart\":\"dynamic/support\"}}").statusCode());
        admin("PUT", ROUTES + "support", """
                {"elements":[
                  {"id":"start","type":"start","outputs":{"next":{"elementId":"asked"}}},
                  {"id":"asked","type":"conditional","properties":{"conditions":{"model":{"$in":["smart","dynamic/support"]}}},
                   "outputs":{"true":{"elementId":"claude"},"false":{"elementId":"gemini"}}},
                  {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5","retries":0},
                   "outputs":{"success":{"elementId":"end"},"fallback":{"elementId":"which-failed"}}},
                  {"id":"which-failed","type":"conditional","properties":{"conditions":{"provider":"anthropic"}},
                   "outputs":{"true":{"elementId":"gemini"},"false":{"elementId":"end"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"end","type":"end"}]}""");

        HttpResponse<String> fast = gw.post(CHAT, ASK.replace("dynamic/support", "fast"), "authorization", "Bearer k");
        assertEquals(200, fast.statusCode(), fast.body());
        assertEquals(List.of("start", "asked", "gemini", "end"), strings(log(fast).path("route_path")));
        assertEquals(0, stub.received.stream().filter(r -> r.path().equals("/v1/messages")).count());

        HttpResponse<String> smart = gw.post(CHAT, ASK.replace("dynamic/support", "smart"), "authorization", "Bearer k");
        assertEquals(200, smart.statusCode(), smart.body());
        JsonNode log = log(smart);
        assertEquals(List.of("start", "asked", "claude", "which-failed", "gemini", "end"), strings(log.path("route_path")));
        assertEquals("smart", log.path("requested_model").asText());
        assertEquals("google-ai-studio", log.path("provider").asText());
    }

    @Test
    void aConditionOnAFieldNoRequestHasIsRefusedOnSave() throws Exception {
        HttpResponse<String> r = admin("PUT", ROUTES + "support", ROUTE.replace("metadata.plan", "team"));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(json(r.body()).at("/error/0/message").asText().contains("key.metadata.<key>"), r.body());
    }

    @Test
    void aSpendLimitOnThePrimarysProviderFallsBackToTheCheaperModel() throws Exception {
        // Claude answers 21 tokens in and 9 out of the fixture at $3/$15 per million ($0.000198). With max_tokens 9
        // the request reserves about $0.000162 first: the first fits in $0.00019, and its answer spends the budget
        HttpResponse<String> put = admin("PUT", "/api/v1/gateways/gw1", """
                {"spend_limits":[{"id":"claude-budget","limit_usd":0.00019,"window_seconds":3600,
                  "dimensions":[{"type":"provider","mode":"filter","value":"anthropic"}]}]}""");
        assertEquals(200, put.statusCode(), put.body());
        admin("PUT", ROUTES + "support", ROUTE);

        HttpResponse<String> first = gw.post(CHAT, CAPPED, "authorization", "Bearer k");
        assertEquals("anthropic/claude-sonnet-4-5", json(first.body()).path("model").asText(), first.body());
        awaitSpent("claude-budget");

        HttpResponse<String> second = gw.post(CHAT, CAPPED, "authorization", "Bearer k");
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("google-ai-studio/gemini-2.5-flash", json(second.body()).path("model").asText());
        JsonNode log = log(second);
        assertEquals(List.of("start", "plan", "claude", "gemini", "end"), strings(log.path("route_path")));
        assertEquals(List.of("0"), strings(log.path("failed_steps")));
        assertEquals(1, stub.received.stream().filter(r -> r.path().equals("/v1/messages")).count(),
                "the exhausted provider is never called again");

        // without a fallback output the same limit answers the gateway's 429 (2046)
        admin("PUT", ROUTES + "support", ROUTE.replace(",\"fallback\":{\"elementId\":\"gemini\"}", ""));
        HttpResponse<String> refused = gw.post(CHAT, CAPPED, "authorization", "Bearer k");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("2046", refused.headers().firstValue("cf-aig-error-code").orElseThrow());
    }

    /** Waits until the rule has counted some spend (counters are written off the answer's path). */
    private void awaitSpent(String rule) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode rules = json(admin("GET", "/api/v1/gateways/gw1/spend", null).body()).path("result");
            for (JsonNode r : rules) {
                for (JsonNode b : r.path("buckets")) {
                    if (r.path("rule").asText().equals(rule) && b.path("exhausted").asBoolean()) {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("rule " + rule + " never exhausted");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
