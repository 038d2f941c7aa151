package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.ProviderFixtures;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI-compatible endpoint over HTTP: translated provider calls through the whole pipeline. */
class CompatEndpointTest {
    static final String CHAT = "/v1/acct/gw1/compat/chat/completions";
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        String base = stub.baseUri().toString();
        gw = new Harness(Map.of(
                "GATEWAY_UPSTREAM_ANTHROPIC", base,
                "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/groq",
                "GATEWAY_UPSTREAM_AWS_BEDROCK", base,
                "GATEWAY_UPSTREAM_COHERE", base));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    /** The JSON objects of an OpenAI SSE answer, and whether it ended with [DONE]. */
    static List<JsonNode> chunks(String sse) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String event : sse.split("\n\n")) {
            if (event.startsWith("data: ") && !event.equals("data: [DONE]")) {
                out.add(json(event.substring(6)));
            }
        }
        return out;
    }

    @Test
    void anthropicAnswersInOpenAiFormatWithTheKeyWhereAnthropicReadsItAndTheLogNamesTheRealProvider() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(200, ProviderFixtures.text("anthropic/response-text.json")));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":"Who are you?"}],"max_tokens":100}""",
                "authorization", "Bearer sk-ant-test-key");

        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = json(r.body());
        assertEquals("chat.completion", answer.path("object").asText());
        assertEquals("anthropic/claude-sonnet-4-5", answer.path("model").asText());
        assertEquals("Hi! My name is Claude.", answer.at("/choices/0/message/content").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
        assertEquals(2095 + 100 + 1800, answer.at("/usage/prompt_tokens").asInt());
        assertEquals(1800, answer.at("/usage/prompt_tokens_details/cached_tokens").asInt());

        StubUpstream.Received up = stub.lastRequest();
        assertEquals("/v1/messages", up.path());
        assertEquals("sk-ant-test-key", up.header("x-api-key"));
        assertNull(up.header("authorization"), "the bearer key moves to x-api-key");
        assertEquals("2023-06-01", up.header("anthropic-version"));
        JsonNode sent = json(up.bodyText());
        assertEquals("claude-sonnet-4-5", sent.path("model").asText());
        assertEquals("Be brief.", sent.at("/system/0/text").asText());
        assertEquals(100, sent.path("max_tokens").asInt());

        JsonNode log = json(gw.awaitLog("gw1", r.headers().firstValue("cf-aig-log-id").orElseThrow()));
        assertEquals("anthropic", log.at("/result/provider").asText());
        assertEquals("claude-sonnet-4-5", log.at("/result/model").asText());
        assertEquals(2095 + 100 + 1800, log.at("/result/tokens_in").asInt());
        assertEquals(503, log.at("/result/tokens_out").asInt());
        assertTrue(log.at("/result/cost").isNumber(), "priced like a direct Anthropic call: " + log);
    }

    @Test
    void anthropicStreamBecomesOpenAiChunksEndingWithDone() throws Exception {
        stub.on("/v1/messages", stub.sse(ProviderFixtures.sse("anthropic/stream-tool-use.jsonl"), 0));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"anthropic/claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Weather in SF?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
                   "properties":{"location":{"type":"string"}}}}}]}""",
                "authorization", "Bearer sk-ant-test-key");

        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        List<JsonNode> chunks = chunks(r.body());
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        StringBuilder args = new StringBuilder();
        String finish = null;
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.path("object").asText());
            JsonNode call = c.at("/choices/0/delta/tool_calls/0");
            if (!call.isMissingNode()) {
                args.append(call.at("/function/arguments").asText(""));
            }
            if (c.at("/choices/0/finish_reason").isTextual()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("tool_calls", finish);
        assertTrue(json(args.toString()).has("location"), args.toString());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertTrue(usage.at("/usage/prompt_tokens").asInt() > 0);
        assertTrue(json(stub.lastRequest().bodyText()).path("stream").asBoolean());
    }

    @Test
    void geminiStreamGoesToStreamGenerateContentWithTheGoogleKeyHeader() throws Exception {
        stub.on("/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                stub.sse(ProviderFixtures.sse("gemini/stream-text.jsonl"), 0));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"google-ai-studio/gemini-2.5-flash","stream":true,
                 "messages":[{"role":"user","content":"Why is the sky blue?"}]}""",
                "authorization", "Bearer AIza-test");

        assertEquals(200, r.statusCode(), r.body());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks(r.body())) {
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        assertEquals("The sky is blue because of Rayleigh scattering.", text.toString());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("alt=sse", up.query());
        assertEquals("AIza-test", up.header("x-goog-api-key"));
        assertNull(up.header("authorization"));
    }

    @Test
    void openAiCompatibleProviderGetsTheBodyWithTheModelRenamed() throws Exception {
        stub.on("/groq/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"groq/llama-3.1-8b-instant","messages":[{"role":"user","content":"hi"}],"seed":7}""",
                "authorization", "Bearer gsk-test");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat.completion", json(r.body()).path("object").asText());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("Bearer gsk-test", up.header("authorization"));
        JsonNode sent = json(up.bodyText());
        assertEquals("llama-3.1-8b-instant", sent.path("model").asText());
        assertEquals(7, sent.path("seed").asInt());
    }

    @Test
    void aParameterTheProviderCannotHonourIsA400NamingItAndNothingIsSent() throws Exception {
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"anthropic/claude-sonnet-4-5","n":2,"messages":[{"role":"user","content":"hi"}]}""",
                "authorization", "Bearer sk-ant-test-key");

        assertEquals(400, r.statusCode());
        assertEquals("2048", r.headers().firstValue("cf-aig-error-code").orElseThrow());
        JsonNode error = json(r.body()).path("error");
        assertEquals("n", error.path("param").asText());
        assertEquals("2048", error.path("code").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("'n'"), error.toString());
        assertEquals(0, stub.calls.get());
    }

    @Test
    void providerErrorsTakeOpenAisShapeAndStatus() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(529, ProviderFixtures.text("anthropic/error-overloaded.json")));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}""",
                "authorization", "Bearer sk-ant-test-key");

        assertEquals(503, r.statusCode(), r.body());
        JsonNode error = json(r.body()).path("error");
        assertEquals("server_error", error.path("type").asText());
        assertFalse(error.path("message").asText().isEmpty());
    }

    @Test
    void gatewayRefusalsTakeOpenAisShapeToo() throws Exception {
        HttpResponse<String> unknown = gw.post("/v1/acct/gw1/compat/completions", "{}");
        assertEquals(404, unknown.statusCode());
        assertTrue(json(unknown.body()).path("error").path("message").asText().contains("/compat/chat/completions"));

        HttpResponse<String> noModel = gw.post(CHAT, "{\"messages\":[]}");
        assertEquals(400, noModel.statusCode());
        assertEquals("model", json(noModel.body()).at("/error/param").asText());

        HttpResponse<String> badProvider = gw.post(CHAT, "{\"model\":\"nope/x\",\"messages\":[]}");
        assertEquals(400, badProvider.statusCode(), badProvider.body());
        assertTrue(json(badProvider.body()).has("error"));

        HttpResponse<String> notJson = gw.post(CHAT, "not json");
        assertEquals(400, notJson.statusCode());
        assertTrue(json(notJson.body()).path("error").isObject(), notJson.body());
    }

    @Test
    void bedrockWithoutABedrockApiKeyIsRefusedNamingWhatIsMissing() throws Exception {
        String body = "{\"model\":\"aws-bedrock/anthropic.claude-3-haiku-20240307-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> none = gw.post(CHAT, body, "x-aig-region", "us-east-1");
        assertEquals(400, none.statusCode());
        assertEquals("authorization", json(none.body()).at("/error/param").asText());
        assertTrue(json(none.body()).at("/error/message").asText().contains("Bedrock API key"));

        HttpResponse<String> sigv4 = gw.post(CHAT, body, "x-aig-region", "us-east-1", "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc");
        assertEquals(400, sigv4.statusCode());
        assertTrue(json(sigv4.body()).at("/error/message").asText().contains("SigV4"));

        HttpResponse<String> noRegion = gw.post(CHAT, body, "authorization", "Bearer bedrock-api-key");
        assertEquals(400, noRegion.statusCode());
        assertEquals("x-aig-region", json(noRegion.body()).at("/error/param").asText());
        assertEquals(0, stub.calls.get());
    }

    @Test
    void bedrockWithCredentialsHeldByTheGatewayIsSignedAfterTranslation() throws Exception {
        stub.on("/model/anthropic.claude-3-haiku-20240307-v1:0/converse", new io.aigateway.testing.SigV4Bedrock(
                io.aigateway.testing.SigV4Bedrock.ACCESS_KEY_ID, io.aigateway.testing.SigV4Bedrock.SECRET, "eu-west-1")
                .verifying(StubUpstream.json(200, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
                        + "[{\"text\":\"Signed.\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":4,"
                        + "\"outputTokens\":1,\"totalTokens\":5}}")));
        String admin = "Bearer " + Harness.ADMIN_TOKEN;
        assertEquals(200, gw.send(java.net.http.HttpRequest.newBuilder(gw.url("/api/v1/gateways/gw1"))
                .header("authorization", admin).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"authentication\":true,\"client_provider_keys\":\"deny\"}"))).statusCode());
        String token = json(gw.send(java.net.http.HttpRequest.newBuilder(gw.url("/api/v1/gateways/gw1/tokens"))
                .header("authorization", admin).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"app\"}"))).body()).at("/result/token").asText();
        String body = "{\"model\":\"aws-bedrock/anthropic.claude-3-haiku-20240307-v1:0\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> refused = gw.post(CHAT, body, "x-aig-region", "eu-west-1", "cf-aig-authorization",
                "Bearer " + token);
        assertEquals(400, refused.statusCode(), "deny and nothing stored: " + refused.body());
        assertEquals(0, stub.calls.get());

        assertEquals(200, gw.send(java.net.http.HttpRequest.newBuilder(
                        gw.url("/api/v1/gateways/gw1/provider-keys/aws-bedrock")).header("authorization", admin)
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"key\":\""
                        + io.aigateway.testing.SigV4Bedrock.ACCESS_KEY_ID + ":" + io.aigateway.testing.SigV4Bedrock.SECRET
                        + "\"}"))).statusCode());
        // the OpenAI SDK always sends an api_key: under deny it is dropped, and the gateway signs
        HttpResponse<String> r = gw.post(CHAT, body, "x-aig-region", "eu-west-1", "cf-aig-authorization",
                "Bearer " + token, "authorization", "Bearer unused");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Signed.", json(r.body()).at("/choices/0/message/content").asText());
        StubUpstream.Received up = stub.lastRequest();
        assertTrue(up.header("authorization").contains("/eu-west-1/bedrock/aws4_request"), up.header("authorization"));
        assertTrue(up.bodyText().contains("\"messages\""), "the translated Converse body is what was signed");
        HttpResponse<String> noKey = gw.post(CHAT, body, "x-aig-region", "eu-west-1", "cf-aig-authorization",
                "Bearer " + token);
        assertEquals(200, noKey.statusCode(), "no client key needed: " + noKey.body());
    }

    @Test
    void bedrockConverseStreamIsDecodedFromTheEventStreamAndTranslated() throws Exception {
        stub.on("/model/anthropic.claude-3-haiku-20240307-v1:0/converse-stream",
                ProviderFixtures.eventStreamReply(ProviderFixtures.eventStream("bedrock/stream-tool-use.jsonl")));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"aws-bedrock/anthropic.claude-3-haiku-20240307-v1:0","stream":true,
                 "messages":[{"role":"user","content":"Find the song"}]}""",
                "authorization", "Bearer bedrock-api-key", "x-aig-region", "us-west-2");

        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> chunks = chunks(r.body());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            text.append(c.at("/choices/0/delta/content").asText(""));
        }
        assertTrue(text.toString().startsWith("I'll look up the song."), text.toString());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", up.path());
        assertEquals("Bearer bedrock-api-key", up.header("authorization"));
        assertFalse(up.hasHeader("x-aig-"), "the gateway's own headers stay here");
    }

    @Test
    void aMidStreamProviderErrorBecomesAnErrorObjectInTheStream() throws Exception {
        stub.on("/v1/messages", stub.sse(ProviderFixtures.sse("anthropic/stream-overloaded.jsonl"), 0));
        HttpResponse<String> r = gw.post(CHAT, """
                {"model":"anthropic/claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
                "authorization", "Bearer sk-ant-test-key");
        assertEquals(200, r.statusCode());
        assertTrue(chunks(r.body()).stream().anyMatch(c -> c.has("error")), r.body());
    }

    @Test
    void aCachedAnswerIsTranslatedToo() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(200, ProviderFixtures.text("anthropic/response-text.json")));
        String body = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> first = gw.post(CHAT, body, "authorization", "Bearer k", "cf-aig-cache-ttl", "600");
        HttpResponse<String> second = gw.post(CHAT, body, "authorization", "Bearer k", "cf-aig-cache-ttl", "600");
        assertEquals("MISS", first.headers().firstValue("cf-aig-cache-status").orElseThrow());
        assertEquals("HIT", second.headers().firstValue("cf-aig-cache-status").orElseThrow());
        assertEquals("Hi! My name is Claude.", json(second.body()).at("/choices/0/message/content").asText());
        assertEquals(1, stub.calls.get());
    }

    @Test
    void embeddingsTranslateForGemini() throws Exception {
        stub.on("/v1beta/models/text-embedding-004:batchEmbedContents",
                StubUpstream.json(200, ProviderFixtures.text("embeddings/gemini-batch.json")));
        HttpResponse<String> r = gw.post("/v1/acct/gw1/compat/embeddings", """
                {"model":"google-ai-studio/text-embedding-004","input":["a","b"],"encoding_format":"float"}""",
                "authorization", "Bearer AIza-test");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = json(r.body());
        assertEquals("list", answer.path("object").asText());
        assertTrue(answer.at("/data/0/embedding").isArray());
    }

    @Test
    void theUniversalEndpointTakesCompatStepsAndFallsBackAcrossProvidersInOneFormat() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(529, ProviderFixtures.text("anthropic/error-overloaded.json")));
        stub.on("/v1beta/models/gemini-2.5-flash:generateContent",
                StubUpstream.json(200, ProviderFixtures.text("gemini/response-text.json")));
        HttpResponse<String> r = gw.post("/v1/acct/gw1", """
                [{"provider":"compat","endpoint":"chat/completions","headers":{"authorization":"Bearer sk-ant"},
                  "query":{"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}},
                 {"provider":"compat","endpoint":"chat/completions","headers":{"authorization":"Bearer AIza"},
                  "query":{"model":"google-ai-studio/gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}}]""");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("cf-aig-step").orElseThrow());
        JsonNode answer = json(r.body());
        assertEquals("chat.completion", answer.path("object").asText());
        assertEquals("google-ai-studio/gemini-2.5-flash", answer.path("model").asText());
        JsonNode log = json(gw.awaitLog("gw1", r.headers().firstValue("cf-aig-log-id").orElseThrow()));
        assertEquals("google-ai-studio", log.at("/result/provider").asText());
        assertEquals(1, log.at("/result/step").asInt());
    }

    @Test
    void aCompatStepWithAParameterTheProviderCannotHonourNamesTheStep() throws Exception {
        HttpResponse<String> r = gw.post("/v1/acct/gw1", """
                [{"provider":"compat","endpoint":"chat/completions",
                  "query":{"model":"anthropic/claude-sonnet-4-5","n":3,"messages":[{"role":"user","content":"hi"}]}}]""");
        assertEquals(400, r.statusCode());
        JsonNode error = json(r.body()).path("error").get(0);
        assertEquals(2048, error.path("code").asInt());
        assertTrue(error.path("message").asText().startsWith("Step 0: "), error.toString());
    }
}
