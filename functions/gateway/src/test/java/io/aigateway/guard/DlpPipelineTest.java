package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.aigateway.guard.DlpFixtures.CARD;
import static io.aigateway.guard.DlpFixtures.EMAIL;
import static io.aigateway.guard.DlpFixtures.NOT_A_CARD;
import static io.aigateway.guard.DlpFixtures.SSN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DLP through the whole gateway: loopback providers, DynamoDB Local, the HTTP transport. */
class DlpPipelineTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri() + "/anthropic"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> put(String gateway, String json) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/" + gateway))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    private void configure(String gateway, String json) throws Exception {
        HttpResponse<String> r = put(gateway, json);
        assertEquals(200, r.statusCode(), r.body());
    }

    private HttpResponse<String> chat(String gateway, String body) throws Exception {
        return gw.post("/v1/acct/" + gateway + "/openai/chat/completions", body, "authorization", "Bearer sk-test");
    }

    private JsonNode log(String gateway, HttpResponse<String> r) throws Exception {
        String id = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        return Json.MAPPER.readTree(gw.awaitLog(gateway, id)).get("result");
    }

    /** Answers with what the user wrote, so a test sees what the provider was sent. */
    private static StubUpstream.Reply echo() {
        return exchange -> {
            JsonNode req = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
            String content = req.at("/messages/0/content").asText();
            byte[] body = DlpFixtures.completion("You wrote: " + content).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        };
    }

    @Test
    void settingsAreValidatedFieldByField() throws Exception {
        record Bad(String json, String field) {
        }
        for (Bad bad : List.of(
                new Bad("{\"dlp\":[]}", "dlp"),
                new Bad("{\"dlp\":{\"policies\":[{\"id\":\"p\",\"profiles\":[\"financial\"],\"action\":\"DROP\"}]}}",
                        "dlp.policies[0].action"),
                new Bad("{\"dlp\":{\"policies\":[{\"id\":\"p\",\"profiles\":[\"pii\"],\"action\":\"FLAG\"}]}}",
                        "dlp.policies[0].profiles[0]"),
                new Bad("{\"dlp\":{\"policies\":[{\"id\":\"p\",\"profiles\":[\"contact\"],\"action\":\"FLAG\","
                        + "\"check\":\"SIDEWAYS\"}]}}", "dlp.policies[0].check"),
                new Bad("{\"dlp\":{\"policies\":[{\"id\":\"p\",\"profiles\":[\"contact\"],\"action\":\"FLAG\"},"
                        + "{\"id\":\"p\",\"profiles\":[\"financial\"],\"action\":\"FLAG\"}]}}", "dlp.policies[1].id"),
                new Bad("{\"dlp\":{\"profiles\":[{\"name\":\"orders\",\"patterns\":[{\"name\":\"ref\","
                        + "\"regex\":\"(a)\\\\1\"}]}]}}", "dlp.profiles[0]"),
                new Bad("{\"dlp\":{\"enabled\":\"yes\"}}", "dlp.enabled"),
                new Bad("{\"log_redaction\":\"all\"}", "log_redaction"))) {
            HttpResponse<String> r = put("g", bad.json());
            assertEquals(400, r.statusCode(), bad.json() + " -> " + r.body());
            assertTrue(r.body().contains("'" + bad.field() + "'"), bad.field() + " not named in " + r.body());
        }
        HttpResponse<String> ok = put("g", "{\"log_redaction\":\"detectors\",\"dlp\":{\"enabled\":true,"
                + "\"profiles\":[{\"name\":\"orders\",\"patterns\":[{\"name\":\"order_ref\",\"regex\":\"ORD-\\\\d{6}\"}]}],"
                + "\"policies\":[{\"id\":\"o\",\"profiles\":[\"orders\"],\"action\":\"redact\"}]}}");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode dlp = Json.MAPPER.readTree(ok.body()).at("/result/dlp");
        assertEquals("REDACT", dlp.at("/policies/0/action").asText());
        assertEquals("BOTH", dlp.at("/policies/0/check").asText(), "check defaults to BOTH");
        assertEquals("order_ref", dlp.at("/profiles/0/patterns/0/name").asText());
        assertEquals("detectors", Json.MAPPER.readTree(gw.admin("/api/v1/gateways/g").body())
                .at("/result/log_redaction").asText(), "stored and read back");
    }

    @Test
    void aValidCardIsBlockedWith2029AndALookAlikePasses() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, DlpFixtures.completion("ok")));
        configure("g", DlpFixtures.POLICIES);
        HttpResponse<String> blocked = chat("g", DlpFixtures.chat("charge my card " + CARD + " please"));
        assertEquals(400, blocked.statusCode(), blocked.body());
        JsonNode error = Json.MAPPER.readTree(blocked.body()).get("error");
        assertEquals("2029", error.get("code").asText(), "OpenAI's error shape on an OpenAI route");
        assertTrue(error.get("message").asText().contains("no-cards"), error.toString());
        assertFalse(blocked.body().contains("4111"), "the error never echoes the value");
        JsonNode header = Json.MAPPER.readTree(blocked.headers().firstValue("cf-aig-dlp").orElseThrow());
        assertEquals("BLOCK", header.get("action").asText());
        assertEquals("financial", header.at("/findings/0/profile/profile_id").asText());
        assertEquals("credit_card", header.at("/findings/0/profile/entry_ids/0").asText());
        assertEquals("no-cards", header.at("/findings/0/policy_ids/0").asText());
        assertEquals("REQUEST", header.at("/findings/0/check").asText());
        assertEquals(0, stub.calls.get(), "a blocked request never reaches the provider");
        JsonNode log = log("g", blocked);
        assertEquals("BLOCK", log.get("dlp_action").asText());
        assertEquals(1, log.at("/dlp_findings/credit_card").asInt());
        assertEquals(2029, log.get("error_code").asInt());
        assertFalse(log.toString().contains(CARD), "a blocked value is masked in the log: " + log);

        HttpResponse<String> passed = chat("g", DlpFixtures.chat("order " + NOT_A_CARD + " shipped"));
        assertEquals(200, passed.statusCode(), passed.body());
        assertTrue(passed.headers().firstValue("cf-aig-dlp").isEmpty(), "nothing matched");
        assertTrue(stub.lastRequest().bodyText().contains(NOT_A_CARD), "sent unchanged");
    }

    @Test
    void redactHidesAnEmailFromTheProviderAndRestoresItForTheClient() throws Exception {
        stub.on("/v1/chat/completions", echo());
        configure("g", DlpFixtures.POLICIES);
        HttpResponse<String> r = chat("g", DlpFixtures.chat("mail " + EMAIL + " the report"));
        assertEquals(200, r.statusCode(), r.body());
        String sent = stub.lastRequest().bodyText();
        assertFalse(sent.contains(EMAIL), sent);
        assertTrue(sent.contains("mail [EMAIL_1] the report"), sent);
        assertEquals("You wrote: mail " + EMAIL + " the report",
                Json.MAPPER.readTree(r.body()).at("/choices/0/message/content").asText());
        JsonNode header = Json.MAPPER.readTree(r.headers().firstValue("cf-aig-dlp").orElseThrow());
        assertEquals("REDACT", header.get("action").asText());
        JsonNode log = log("g", r);
        assertEquals("REDACT", log.get("dlp_action").asText());
        assertEquals(1, log.at("/dlp_findings/email").asInt());
        assertFalse(log.toString().contains(EMAIL), "a redacted value is masked in the log too: " + log);
    }

    @Test
    void redactRestoresAPlaceholderSplitAcrossStreamedEvents() throws Exception {
        stub.on("/v1/chat/completions", stub.sse(DlpFixtures.openAiStream("Sure, I will write to [EMA", "IL_1", "] today."), 5));
        configure("g", DlpFixtures.POLICIES);
        HttpResponse<String> r = chat("g", DlpFixtures.chatStream("write to " + EMAIL));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(stub.lastRequest().bodyText().contains("[EMAIL_1]"));
        StringBuilder text = new StringBuilder();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = Json.MAPPER.readTree(line.substring(6));
                for (JsonNode c : chunk.path("choices")) {
                    text.append(c.path("delta").path("content").asText(""));
                }
            }
        }
        assertEquals("Sure, I will write to " + EMAIL + " today.", text.toString(), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
    }

    @Test
    void aStreamedSsnIsBlockedMidStreamWithAnOpenAiErrorEvent() throws Exception {
        stub.on("/v1/chat/completions", stub.sse(DlpFixtures.openAiStream("Here it is: ", "536-", "22-", "8125", " done"), 5));
        configure("g", DlpFixtures.POLICIES);
        HttpResponse<String> r = chat("g", DlpFixtures.chatStream("what is my number?"));
        assertEquals(200, r.statusCode(), "the stream had started");
        assertFalse(r.body().contains("8125"), r.body());
        assertFalse(r.body().contains("[DONE]"), r.body());
        String last = lastData(r.body());
        JsonNode error = Json.MAPPER.readTree(last).get("error");
        assertEquals("2030", error.get("code").asText(), last);
        assertTrue(error.get("message").asText().contains("no-ids-out"), last);
        JsonNode log = log("g", r);
        assertEquals("BLOCK", log.get("dlp_action").asText());
        assertEquals(2030, log.get("error_code").asInt());
        assertEquals(400, log.get("status_code").asInt());
        assertEquals("dlp_response_blocked", log.get("outcome").asText(), "not a client disconnect");
        assertFalse(log.toString().contains(SSN), log.toString());
    }

    @Test
    void anthropicStreamsEndWithAnAnthropicErrorEvent() throws Exception {
        stub.on("/anthropic/v1/messages", stub.sse(DlpFixtures.anthropicStream("Your SSN is ", SSN.substring(0, 6),
                SSN.substring(6), ", keep it safe."), 5));
        configure("g", DlpFixtures.POLICIES);
        HttpResponse<String> r = gw.post("/v1/acct/g/anthropic/v1/messages", "{\"model\":\"claude-3-5-haiku-latest\","
                + "\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01");
        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains("8125"), r.body());
        assertTrue(r.body().contains("event: error\ndata: {\"type\":\"error\""), r.body());
        JsonNode error = Json.MAPPER.readTree(lastData(r.body()));
        assertEquals(2030, error.at("/error/cf_aig_error_code").asInt());
        assertEquals("invalid_request_error", error.at("/error/type").asText());
    }

    @Test
    void aBufferedAnswerWithAnSsnIsBlockedWith2030AndNeverCached() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, DlpFixtures.completion("Your SSN is " + SSN)));
        configure("g", "{\"cache_ttl\":300," + DlpFixtures.POLICIES.substring(1));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = chat("g", DlpFixtures.chat("what is my number?"));
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("2030", Json.MAPPER.readTree(r.body()).at("/error/code").asText());
            assertFalse(r.body().contains(SSN));
            assertEquals("RESPONSE", Json.MAPPER.readTree(r.headers().firstValue("cf-aig-dlp").orElseThrow())
                    .at("/findings/0/check").asText());
        }
        assertEquals(2, stub.calls.get(), "a blocked answer is never stored in the cache");
    }

    @Test
    void aRedactedRequestIsCachedUnderItsRedactedBodyAndRestoredOnAHit() throws Exception {
        stub.on("/v1/chat/completions", echo());
        configure("g", "{\"cache_ttl\":300," + DlpFixtures.POLICIES.substring(1));
        HttpResponse<String> first = chat("g", DlpFixtures.chat("mail " + EMAIL));
        HttpResponse<String> second = chat("g", DlpFixtures.chat("mail other.person@example.org"));
        assertEquals("MISS", first.headers().firstValue("cf-aig-cache-status").orElseThrow());
        assertEquals("HIT", second.headers().firstValue("cf-aig-cache-status").orElseThrow(),
                "both were sent as 'mail [EMAIL_1]'");
        assertEquals(1, stub.calls.get());
        assertEquals("You wrote: mail other.person@example.org",
                Json.MAPPER.readTree(second.body()).at("/choices/0/message/content").asText(),
                "the hit is restored with this request's own value");
    }

    @Test
    void flagReportsInTheHeaderAndLogsCanBeFilteredByAction() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, DlpFixtures.completion("ok")));
        configure("g", "{\"dlp\":{\"policies\":[{\"id\":\"watch\",\"profiles\":[\"contact\"],\"action\":\"FLAG\"}]}}");
        HttpResponse<String> flagged = chat("g", DlpFixtures.chat("reach me at " + EMAIL));
        HttpResponse<String> plain = chat("g", DlpFixtures.chat("hello"));
        assertEquals(200, flagged.statusCode());
        assertTrue(stub.received.stream().anyMatch(x -> x.bodyText().contains(EMAIL)), "FLAG changes nothing");
        assertEquals("FLAG", Json.MAPPER.readTree(flagged.headers().firstValue("cf-aig-dlp").orElseThrow())
                .get("action").asText());
        log("g", flagged);
        log("g", plain);
        JsonNode onlyFlagged = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/g/logs?dlp_action=flag").body());
        assertEquals(1, onlyFlagged.at("/result_info/count").asInt(), onlyFlagged.toString());
        assertEquals(flagged.headers().firstValue("cf-aig-log-id").orElseThrow(),
                onlyFlagged.at("/result/0/id").asText());
        assertEquals(0, Json.MAPPER.readTree(gw.admin("/api/v1/gateways/g/logs?dlp_action=BLOCK").body())
                .at("/result_info/count").asInt());
        assertEquals(400, gw.admin("/api/v1/gateways/g/logs?dlp_action=DROP").statusCode());
        JsonNode all = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/g/logs").body());
        assertEquals(2, all.at("/result_info/count").asInt());
    }

    @Test
    void logRedactionMasksHeadsBodiesAndMetadata() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, DlpFixtures.completion("I will call +1 415-555-0100")));
        configure("g", "{\"log_redaction\":\"detectors\"}");
        HttpResponse<String> r = gw.post("/v1/acct/g/openai/chat/completions",
                DlpFixtures.chat("line one\\n" + CARD + " and " + EMAIL), "authorization", "Bearer sk-test",
                "cf-aig-metadata", "{\"user\":\"" + EMAIL + "\"}");
        assertEquals(200, r.statusCode());
        assertTrue(stub.lastRequest().bodyText().contains(EMAIL), "log redaction never changes the traffic");
        JsonNode log = log("g", r);
        String id = log.get("id").asText();
        String stored = gw.admin("/api/v1/gateways/g/logs/" + id + "/request").body()
                + gw.admin("/api/v1/gateways/g/logs/" + id + "/response").body();
        for (String value : List.of(CARD, EMAIL, "415-555-0100")) {
            assertFalse(log.toString().contains(value), value + " in " + log);
            assertFalse(stored.contains(value), value + " in " + stored);
        }
        assertTrue(log.get("request_head").asText().contains("[CREDIT_CARD_1]"), log.toString());
        assertTrue(log.at("/metadata/user").asText().startsWith("[EMAIL_"), log.toString());
        assertNull(log.get("dlp_action").textValue(), "no DLP policy: log masking alone");

        configure("g", "{\"log_redaction\":\"bodies\"}");
        JsonNode none = log("g", chat("g", DlpFixtures.chat("plain")));
        assertTrue(none.get("request_head").isNull() && none.get("response_head").isNull(), none.toString());
    }

    private static String lastData(String sse) {
        String last = null;
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) {
                last = line.substring(6);
            }
        }
        return last;
    }
}
