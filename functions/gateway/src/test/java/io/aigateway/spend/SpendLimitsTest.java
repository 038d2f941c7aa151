package io.aigateway.spend;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.ErrorBodies;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spend and token limits through the gateway: counters on DynamoDB Local, the stub answers with known usage
 * (gpt-4o-mini, 12 tokens in and 3 out: $0.0000036 at the shipped price).
 */
class SpendLimitsTest {
    private static final String CHAT = "/v1/a/budget/openai/chat/completions";
    /** Reserves about 9 input + 3 output tokens ($0.00000315) before the call; the stub answer costs $0.0000036. */
    private static final String MINI = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":3,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1"));
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

    private void settings(String json) throws Exception {
        HttpResponse<String> r = admin("PUT", "/api/v1/gateways/budget", json);
        assertEquals(200, r.statusCode(), r.body());
    }

    private HttpResponse<String> chat(String team) throws Exception {
        return gw.post(CHAT, MINI, "cf-aig-metadata", "{\"team\":\"" + team + "\"}");
    }

    private JsonNode spend() throws Exception {
        HttpResponse<String> r = admin("GET", "/api/v1/gateways/budget/spend", null);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body()).get("result");
    }

    /** Waits until the rule's buckets together have used {@code expected} (counters are written off the answer's path). */
    private void awaitUsed(String rule, String expected) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        BigDecimal total = BigDecimal.ZERO;
        while (System.currentTimeMillis() < deadline) {
            total = BigDecimal.ZERO;
            for (JsonNode r : spend()) {
                if (r.get("rule").asText().equals(rule)) {
                    for (JsonNode b : r.get("buckets")) {
                        total = total.add(b.get("used").decimalValue());
                    }
                }
            }
            if (total.compareTo(new BigDecimal(expected)) == 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("rule " + rule + " used " + total + ", expected " + expected);
    }

    @Test
    void aBudgetSplitByTeamBlocksOnlyTheTeamThatSpentIt() throws Exception {
        settings("{\"spend_limits\":[{\"id\":\"team-daily\",\"limit_usd\":0.000005,\"window_seconds\":86400,"
                + "\"dimensions\":[{\"type\":\"metadata\",\"key\":\"team\",\"mode\":\"split\"}]}]}");
        assertEquals(200, chat("search").statusCode());
        awaitUsed("team-daily", "0.0000036");

        HttpResponse<String> refused = chat("search");
        assertEquals(429, refused.statusCode());
        assertEquals(2046, ErrorBodies.code(refused.body()));
        assertTrue(refused.body().contains("team-daily"), refused.body());
        long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "until the day window ends: " + retryAfter);
        assertEquals(1, stub.calls.get(), "a refused request never reaches the provider");

        assertEquals(200, chat("ads").statusCode(), "another team has its own bucket");
        awaitUsed("team-daily", "0.0000072");

        JsonNode rule = spend().get(0);
        assertEquals("spend", rule.get("type").asText());
        assertEquals(2, rule.get("buckets").size(), rule.toString());
        for (JsonNode b : rule.get("buckets")) {
            // settled: the reservation made before the call was replaced by what the answer cost, once
            assertEquals(0, new BigDecimal("0.0000036").compareTo(b.get("used").decimalValue()), b.toString());
            assertEquals(0, b.get("reserved").decimalValue().signum(), b.toString());
            assertTrue(!b.get("exhausted").asBoolean(), "$0.0000036 of $0.000005: refused because the next estimate"
                    + " does not fit, not exhausted");
            assertTrue(Map.of("search", 1, "ads", 1).containsKey(b.get("values").get("metadata.team").asText()));
        }
    }

    @Test
    void aTokenLimitTripsAtTheRightCount() throws Exception {
        settings("{\"token_limits\":[{\"id\":\"tokens-hourly\",\"limit_tokens\":30,\"window_seconds\":3600,"
                + "\"count\":\"total\"}]}");
        assertEquals(200, chat("a").statusCode());
        awaitUsed("tokens-hourly", "15");
        assertEquals(200, chat("b").statusCode(), "15 of 30 used: still allowed");
        awaitUsed("tokens-hourly", "30");
        HttpResponse<String> refused = chat("c");
        assertEquals(429, refused.statusCode());
        assertEquals(2047, ErrorBodies.code(refused.body()));
        assertTrue(refused.body().contains("tokens-hourly"), refused.body());
        assertTrue(refused.headers().firstValue("retry-after").isPresent());
    }

    @Test
    void aFilterAppliesToItsValueOnlyAndACachedAnswerCostsNothing() throws Exception {
        settings("{\"cache_ttl\":300,\"spend_limits\":[{\"id\":\"mini\",\"limit_usd\":0.000005,\"window_seconds\":3600,"
                + "\"dimensions\":[{\"type\":\"model\",\"mode\":\"filter\",\"value\":\"gpt-4o-mini\"}]},"
                + "{\"id\":\"big\",\"limit_usd\":0.000005,\"window_seconds\":3600,"
                + "\"dimensions\":[{\"type\":\"model\",\"mode\":\"filter\",\"value\":\"gpt-4o\"}]}]}");
        assertEquals(200, gw.post(CHAT, MINI).statusCode());
        awaitUsed("mini", "0.0000036");
        HttpResponse<String> hit = gw.post(CHAT, MINI);
        assertEquals(200, hit.statusCode(), "a cached answer is served although the budget is spent");
        assertEquals("HIT", hit.headers().firstValue("cf-aig-cache-status").orElse(""));
        HttpResponse<String> other = gw.post(CHAT, MINI.replace("hi", "hello"));
        assertEquals(429, other.statusCode());
        assertEquals(2046, ErrorBodies.code(other.body()));
        awaitUsed("big", "0");
        awaitUsed("mini", "0.0000036"); // the hit added nothing
    }

    @Test
    void aKeysOwnBudgetRefusesThatKeyOnly() throws Exception {
        settings("{\"authentication\":true}");
        JsonNode key = Json.MAPPER.readTree(admin("POST", "/api/v1/gateways/budget/tokens",
                "{\"name\":\"intern\",\"budget\":{\"limit_usd\":0.000005,\"window_seconds\":3600}}").body()).get("result");
        String other = Json.MAPPER.readTree(admin("POST", "/api/v1/gateways/budget/tokens", "{\"name\":\"lead\"}").body())
                .get("result").get("token").asText();
        String token = key.get("token").asText();
        assertEquals(200, gw.post(CHAT, MINI, "cf-aig-authorization", "Bearer " + token).statusCode());
        String rule = "key:" + key.get("id").asText() + ":budget";
        awaitUsed(rule, "0.0000036");
        HttpResponse<String> refused = gw.post(CHAT, MINI, "cf-aig-authorization", "Bearer " + token);
        assertEquals(429, refused.statusCode());
        assertEquals(2046, ErrorBodies.code(refused.body()));
        assertTrue(refused.body().contains(rule), refused.body());
        assertEquals(200, gw.post(CHAT, MINI, "cf-aig-authorization", "Bearer " + other).statusCode());
    }

    @Test
    void aRequestWhoseEstimateCannotFitIsRefusedBeforeTheCallSayingWhy() throws Exception {
        settings("{\"spend_limits\":[{\"id\":\"tiny\",\"limit_usd\":0.000005,\"window_seconds\":3600}]}");
        // no max_tokens: 1024 output tokens are reserved ($0.0006 at gpt-4o-mini's price), more than the budget
        HttpResponse<String> refused = gw.post(CHAT, MINI.replace("\"max_tokens\":3,", ""));
        assertEquals(429, refused.statusCode());
        assertEquals(2046, ErrorBodies.code(refused.body()));
        assertTrue(refused.body().contains("this request alone may use up to $0.0006"), refused.body());
        assertTrue(refused.body().contains("Lower max_tokens"), refused.body());
        assertEquals(0, stub.calls.get());
        assertEquals(200, chat("a").statusCode(), "with max_tokens the estimate fits");
    }

    @Test
    void anObserveRuleRefusesOnceTheIngestHasMarkedTheBucketExhausted() throws Exception {
        settings("{\"spend_limits\":[{\"id\":\"watch\",\"limit_usd\":0.000005,\"window_seconds\":3600,"
                + "\"enforcement\":\"observe\",\"alert_thresholds\":[50,100]}]}");
        assertEquals(200, chat("a").statusCode());
        awaitUsed("watch", "0.0000036");
        assertEquals(200, chat("a").statusCode(), "observe: nothing is reserved, the bucket is not exhausted yet");
        awaitUsed("watch", "0.0000072");
        long deadline = System.currentTimeMillis() + 15_000; // the exhausted set is read every 5 s (the default)
        HttpResponse<String> r;
        do {
            Thread.sleep(100);
            r = chat("a");
        } while (r.statusCode() == 200 && System.currentTimeMillis() < deadline);
        assertEquals(429, r.statusCode(), r.body());
        assertEquals(2046, ErrorBodies.code(r.body()));
        assertTrue(r.body().contains("'watch'"), r.body());
        JsonNode rule = spend().get(0);
        assertEquals("observe", rule.get("enforcement").asText());
        assertEquals("[50,100]", rule.get("alert_thresholds").toString());
        assertTrue(rule.get("buckets").get(0).get("exhausted").asBoolean(), rule.toString());
    }

    @Test
    void badRulesAre400NamingTheField() throws Exception {
        for (String[] c : new String[][]{
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":0,\"window_seconds\":60}]}", "spend_limits[0].limit_usd"},
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":1}]}", "spend_limits[0].window_seconds"},
                {"{\"token_limits\":[{\"id\":\"x\",\"limit_tokens\":1.5,\"window_seconds\":60}]}", "token_limits[0].limit_tokens"},
                {"{\"token_limits\":[{\"id\":\"x\",\"limit_tokens\":5,\"window_seconds\":60,\"count\":\"all\"}]}", "token_limits[0].count"},
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":1,\"window_seconds\":60,\"dimensions\":[{\"type\":\"team\"}]}]}",
                        "spend_limits[0].dimensions[0].type"},
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":1,\"window_seconds\":60,\"dimensions\":[{\"type\":\"model\",\"mode\":\"filter\"}]}]}",
                        "spend_limits[0].dimensions[0].value"},
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":1,\"window_seconds\":60},{\"id\":\"x\",\"limit_usd\":2,\"window_seconds\":60}]}",
                        "spend_limits[1].id"},
                {"{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":1,\"window_seconds\":60,\"enforcement\":\"strict\"}]}",
                        "spend_limits[0].enforcement"},
                {"{\"token_limits\":[{\"id\":\"x\",\"limit_tokens\":5,\"window_seconds\":60,\"alert_thresholds\":[0]}]}",
                        "token_limits[0].alert_thresholds"},
                {"{\"client_provider_keys\":\"maybe\"}", "client_provider_keys"}}) {
            HttpResponse<String> r = admin("PUT", "/api/v1/gateways/budget", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            assertTrue(r.body().contains("'" + c[1] + "'"), r.body());
        }
        settings("{\"spend_limits\":[{\"id\":\"x\",\"limit_usd\":2.5,\"window_seconds\":60}]}");
        JsonNode stored = Json.MAPPER.readTree(admin("GET", "/api/v1/gateways/budget", null).body()).get("result");
        assertEquals(2.5, stored.get("spend_limits").get(0).get("limit_usd").asDouble());
        assertEquals("allow", stored.get("client_provider_keys").asText());
    }
}
