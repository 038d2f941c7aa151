package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.local.LocalRuntime.Options;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Python SDK, changed in nothing but its base URL ({@code .../compat}), against the local runtime's
 * OpenAI-compatible endpoint in front of {@link CompatStubs}, loopback stubs that speak Anthropic's Messages API,
 * Gemini's generateContent (plain and SSE), Bedrock Converse and ConverseStream (AWS event stream; with a Bedrock API
 * key, and signed by the gateway with the AWS credentials a second gateway holds), Cohere's v2 chat (JSON and SSE), Workers AI's run API
 * (JSON and SSE) and Groq's OpenAI-compatible API: plain, streamed, tools, images, JSON schema, usage with cached and
 * reasoning tokens, provider errors and refused parameters raised as the SDK's typed errors, and an agent loop whose
 * tool call goes to Claude and whose tool result goes to Gemini through one dynamic route. Each stub's record of what
 * it received proves the translation. Needs python3 with {@code openai}; fails (never skips) without it.
 */
class CompatSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ANTHROPIC_KEY = "sk-ant-compat-e2e-7d1f3a9c";
    private static final String GEMINI_KEY = "AIzaCompatE2e-5b8e2c4d6f";
    private static final String GROQ_KEY = "gsk_compat_e2e_3c7a9e1b";
    private static final String BEDROCK_KEY = "ABSKQmVkcm9ja0FQSUtleS1lMmU=";
    private static final String COHERE_KEY = "co-compat-e2e-9f2b4d6a";
    private static final String WORKERS_AI_KEY = "cf-workers-ai-e2e-1a3c5e7f";
    private static final String CLAUDE_ON_BEDROCK = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final String GATEWAY = "compat-e2e";
    private static final String SIGNED = "compat-e2e-signed";

    private static CompatStubs stubs;
    private static LocalRuntime runtime;
    private static JsonNode result;

    @BeforeAll
    static void start() throws Exception {
        stubs = new CompatStubs();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(stubs.env()));
        HttpResponse<String> route = admin("PUT", "/api/v1/gateways/" + GATEWAY + "/routes/agent", CompatStubs.AGENT_ROUTE);
        assertEquals(200, route.statusCode(), route::body);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("base_url", runtime.rootUrl() + "/v1/local/" + GATEWAY + "/compat");
        cfg.put("anthropic_key", ANTHROPIC_KEY);
        cfg.put("gemini_key", GEMINI_KEY);
        cfg.put("groq_key", GROQ_KEY);
        cfg.put("bedrock_key", BEDROCK_KEY);
        cfg.put("cohere_key", COHERE_KEY);
        cfg.put("workers_ai_key", WORKERS_AI_KEY);
        // a second gateway that signs Bedrock requests itself with the AWS credentials it holds
        assertEquals(200, admin("PUT", "/api/v1/gateways/" + SIGNED,
                "{\"authentication\":true,\"client_provider_keys\":\"deny\"}").statusCode());
        HttpResponse<String> token = admin("POST", "/api/v1/gateways/" + SIGNED + "/tokens", "{\"name\":\"sdk\"}");
        assertEquals(200, token.statusCode(), token::body);
        HttpResponse<String> stored = admin("PUT", "/api/v1/gateways/" + SIGNED + "/provider-keys/aws-bedrock",
                "{\"key\":\"" + CompatStubs.AWS_KEY_ID + ":" + CompatStubs.AWS_SECRET + "\"}");
        assertEquals(200, stored.statusCode(), stored::body);
        cfg.put("signed_base_url", runtime.rootUrl() + "/v1/local/" + SIGNED + "/compat");
        cfg.put("signed_token", JSON.readTree(token.body()).at("/result/token").asText());
        long started = System.nanoTime();
        result = runScript(cfg);
        System.out.printf("compat_e2e.py: %d ms, of which its SDK calls %d ms%n",
                (System.nanoTime() - started) / 1_000_000, result.path("calls_ms").asLong());
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (stubs != null) {
            stubs.close();
        }
    }

    @Test
    void plainAnthropicAnswerWithUsageAndTheKeyInAnthropicsHeader() throws Exception {
        JsonNode plain = result.path("plain");
        assertEquals("Hello from Claude through /compat.", plain.path("content").asText(), plain::toString);
        assertEquals("anthropic/claude-sonnet-4-5", plain.path("model").asText());
        assertEquals("stop", plain.path("finish_reason").asText());
        assertEquals(21 + 4, plain.at("/usage/prompt_tokens").asInt(), plain::toString);
        assertEquals(9, plain.at("/usage/completion_tokens").asInt());
        assertEquals(4, plain.at("/usage/cached_tokens").asInt());

        ObjectNode seen = stubs.seen("anthropic").getFirst();
        assertEquals(ANTHROPIC_KEY, seen.path("x-api-key").asText(), seen::toString);
        assertTrue(seen.path("authorization").isNull(), seen::toString);
        assertEquals("Be brief.", seen.at("/body/system/0/text").asText(), seen::toString);

        JsonNode log = awaitLog(plain.path("log_id").asText());
        assertEquals("anthropic", log.path("provider").asText(), log::toString);
        assertEquals("claude-sonnet-4-5", log.path("model").asText());
        assertEquals("anthropic/claude-sonnet-4-5", log.path("requested_model").asText());
        assertEquals(25, log.path("tokens_in").asInt());
    }

    @Test
    void geminiStreamArrivesChunkByChunkWithFinalUsage() {
        JsonNode stream = result.path("stream");
        assertEquals(List.of("Gemini ", "streams ", "through compat."), strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals(5, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(11, stream.at("/usage/completion_tokens").asInt());
        ObjectNode seen = stubs.seen("gemini-stream").getFirst();
        assertEquals(GEMINI_KEY, seen.path("x-goog-api-key").asText(), seen::toString);
    }

    @Test
    void anthropicStreamArrivesDeltaByDeltaWithFinalUsage() {
        JsonNode stream = result.path("anthropic_stream");
        assertEquals(CompatStubs.CLAUDE_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals("anthropic/claude-sonnet-4-5", stream.path("model").asText());
        assertEquals(17, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(12, stream.at("/usage/completion_tokens").asInt(), "message_delta's count is the final one");
        assertEquals(29, stream.at("/usage/total_tokens").asInt());
        ObjectNode seen = stubs.seen("anthropic-stream").getFirst();
        assertTrue(seen.at("/body/stream").asBoolean(), seen::toString);
        assertEquals(ANTHROPIC_KEY, seen.path("x-api-key").asText(), seen::toString);
    }

    @Test
    void toolCallsComeBackInOpenAisShape() {
        JsonNode tools = result.path("tools");
        assertEquals("tool_calls", tools.path("finish_reason").asText(), tools::toString);
        assertEquals("get_weather", tools.path("name").asText());
        assertEquals("Paris", tools.at("/arguments/city").asText());
        assertEquals("toolu_e2e_01", tools.path("id").asText());
    }

    @Test
    void anOpenAiCompatibleProviderPassesThrough() {
        assertEquals("Hello from Groq.", result.at("/groq/content").asText(), result::toString);
        assertEquals(15, result.at("/groq/usage/prompt_tokens").asInt());
        ObjectNode seen = stubs.seen("groq").getFirst();
        assertEquals("Bearer " + GROQ_KEY, seen.path("authorization").asText(), seen::toString);
        assertEquals("llama-3.1-8b-instant", seen.at("/body/model").asText());
    }

    @Test
    void errorsAreTheSdksTypedErrors() {
        JsonNode provider = result.path("provider_error");
        assertEquals("RateLimitError", provider.path("class").asText(), provider::toString);
        assertEquals(429, provider.path("status").asInt());
        assertTrue(provider.path("message").asText().contains("rate limit"), provider::toString);

        JsonNode refused = result.path("unsupported");
        assertEquals("BadRequestError", refused.path("class").asText(), refused::toString);
        assertEquals(400, refused.path("status").asInt());
        assertEquals("n", refused.path("param").asText());
        assertEquals("2048", refused.path("code").asText());
    }

    @Test
    void anAgentLoopCallsToolsAcrossTwoProvidersThroughOneRoute() throws Exception {
        JsonNode agent = result.path("agent");
        assertEquals(List.of("anthropic/claude-sonnet-4-5", "google-ai-studio/gemini-2.5-flash"),
                strings(agent.path("answered_by")), agent::toString);
        assertEquals("In Paris it is 18 C and clear.", agent.path("answer").asText(), agent::toString);

        // Gemini got Claude's tool call and the tool's result in its own format, and only its own key
        ObjectNode second = stubs.seen("gemini").getLast();
        JsonNode contents = second.at("/body/contents");
        assertEquals("get_weather", contents.at("/1/parts/1/functionCall/name").asText(), second::toString);
        assertEquals("Paris", contents.at("/1/parts/1/functionCall/args/city").asText());
        assertEquals(18, contents.at("/2/parts/0/functionResponse/response/temperature_c").asInt(), second::toString);
        assertEquals(GEMINI_KEY, second.path("x-goog-api-key").asText());
        assertTrue(second.path("authorization").isNull(), "Claude's key never reaches Google: " + second);
        ObjectNode first = stubs.seen("anthropic").stream().filter(s -> s.at("/body/tools").size() > 0
                && s.at("/body/messages").size() == 1 && s.at("/body/messages/0/content").toString().contains("Use the tool"))
                .findFirst().orElseThrow();
        assertTrue(first.path("x-goog-api-key").isNull(), "Google's key never reaches Anthropic: " + first);
        assertEquals("get_weather", first.at("/body/tools/0/name").asText(), "Claude was offered the tool: " + first);
        assertEquals(2, agent.path("turns").asInt(), "a tool call, then the answer: " + agent);
        assertEquals("get_weather", second.at("/body/tools/0/functionDeclarations/0/name").asText(),
                "Gemini was offered the same tool: " + second);

        // logs are ingested from the journal shortly after the answers: wait for the routed one
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode logs;
        boolean routed = false;
        do {
            logs = JSON.readTree(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs?limit=50", null).body());
            for (JsonNode log : logs.path("result")) {
                if ("agent".equals(log.path("route").asText()) && "google-ai-studio".equals(log.path("provider").asText())) {
                    assertEquals(List.of("start", "first-turn", "gemini", "end"), strings(log.path("route_path")));
                    routed = true;
                }
            }
            if (!routed) {
                Thread.sleep(50);
            }
        } while (!routed && System.nanoTime() < deadline);
        String all = logs.toString();
        assertTrue(routed, all);
        for (String secret : List.of(ANTHROPIC_KEY, GEMINI_KEY, GROQ_KEY, BEDROCK_KEY, COHERE_KEY, WORKERS_AI_KEY,
                CompatStubs.AWS_SECRET)) {
            assertFalse(all.contains(secret), "a provider key in the logs");
        }
    }

    @Test
    void imagesReachEachProviderInItsOwnShape() {
        String pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
        String photo = "https://images.example.com/cats/cat.jpg";
        JsonNode images = result.path("images");
        assertEquals("Hello from Claude through /compat.", images.at("/anthropic/content").asText(), images::toString);

        JsonNode claude = received("anthropic", s -> s.at("/body/messages/0/content").toString().contains("image"))
                .at("/body/messages/0/content");
        assertEquals("What is in these images?", claude.at("/0/text").asText(), claude::toString);
        assertEquals("image", claude.at("/1/type").asText());
        assertEquals("url", claude.at("/1/source/type").asText(), claude::toString);
        assertEquals(photo, claude.at("/1/source/url").asText());
        assertEquals("base64", claude.at("/2/source/type").asText());
        assertEquals("image/png", claude.at("/2/source/media_type").asText());
        assertEquals(pixel, claude.at("/2/source/data").asText());

        JsonNode gemini = received("gemini", s -> s.at("/body/contents/0/parts").toString().contains("inlineData"))
                .at("/body/contents/0/parts");
        assertEquals("image/png", gemini.at("/1/inlineData/mimeType").asText(), gemini::toString);
        assertEquals(pixel, gemini.at("/1/inlineData/data").asText());
        assertEquals("image/jpeg", gemini.at("/2/fileData/mimeType").asText(), gemini::toString);
        assertEquals(photo, gemini.at("/2/fileData/fileUri").asText());

        ObjectNode bedrock = received("bedrock", s -> s.at("/body/messages/0/content").toString().contains("image"));
        JsonNode image = bedrock.at("/body/messages/0/content/1/image");
        assertEquals("png", image.path("format").asText(), bedrock::toString);
        assertEquals(pixel, image.at("/source/bytes").asText(), "Converse's JSON carries the bytes as base64");
        assertEquals("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", bedrock.path("path").asText());
        assertEquals("Bearer " + BEDROCK_KEY, bedrock.path("authorization").asText(), "a Bedrock API key is a bearer token");
        assertEquals("Hello from Bedrock.", images.at("/bedrock/content").asText(), images::toString);

        JsonNode refused = images.path("bedrock_url");
        assertEquals("BadRequestError", refused.path("class").asText(), refused::toString);
        assertEquals(400, refused.path("status").asInt());
        assertEquals("2048", refused.path("code").asText());
        assertEquals("messages[0].content[1].image_url", refused.path("param").asText(), refused::toString);
        assertTrue(stubs.seen("bedrock").stream().noneMatch(s -> s.toString().contains(photo)), "never reached Bedrock");
    }

    @Test
    void jsonSchemaBecomesEachProvidersStructuredOutput() throws Exception {
        JsonNode answers = result.path("json_schema");
        for (String provider : List.of("anthropic", "gemini", "bedrock")) {
            assertEquals("Paris", answers.at("/" + provider + "/city").asText(), answers::toString);
            assertEquals(18, answers.at("/" + provider + "/temperature_c").asInt(), provider);
        }
        JsonNode claude = received("anthropic", s -> s.at("/body/output_config").isObject()).at("/body/output_config/format");
        assertEquals("json_schema", claude.path("type").asText(), claude::toString);
        assertEquals("integer", claude.at("/schema/properties/temperature_c/type").asText());
        assertFalse(claude.at("/schema/additionalProperties").asBoolean(true), "Anthropic wants it, and gets it");

        JsonNode gemini = received("gemini", s -> s.at("/body/generationConfig/responseSchema").isObject())
                .at("/body/generationConfig");
        assertEquals("application/json", gemini.path("responseMimeType").asText(), gemini::toString);
        assertEquals("integer", gemini.at("/responseSchema/properties/temperature_c/type").asText());
        assertTrue(gemini.at("/responseSchema/additionalProperties").isMissingNode(), "Gemini refuses it: dropped");

        JsonNode bedrock = received("bedrock", s -> s.at("/body/outputConfig").isObject()).at("/body/outputConfig/textFormat");
        assertEquals("json_schema", bedrock.path("type").asText(), bedrock::toString);
        assertEquals("weather", bedrock.at("/structure/jsonSchema/name").asText());
        JsonNode schema = JSON.readTree(bedrock.at("/structure/jsonSchema/schema").asText());
        assertEquals("integer", schema.at("/properties/temperature_c/type").asText(), "a JSON string: " + bedrock);

        JsonNode refused = result.path("json_object_refused");
        assertEquals("BadRequestError", refused.path("class").asText(), refused::toString);
        assertEquals(400, refused.path("status").asInt());
        assertEquals("2048", refused.path("code").asText());
        assertEquals("response_format", refused.path("param").asText());
    }

    @Test
    void providerErrorsBecomeTheSdksExceptionClasses() {
        JsonNode google = result.at("/errors/gemini_400");
        assertEquals("BadRequestError", google.path("class").asText(), google::toString);
        assertEquals(400, google.path("status").asInt());
        assertTrue(google.path("message").asText().contains("max_output_tokens: must be positive"), google::toString);

        JsonNode bedrock = result.at("/errors/bedrock_500");
        assertEquals("InternalServerError", bedrock.path("class").asText(), bedrock::toString);
        assertEquals(500, bedrock.path("status").asInt());
        assertTrue(bedrock.path("message").asText().contains("unexpected error during processing"), bedrock::toString);
        assertEquals(1, stubs.seen("bedrock").stream().filter(s -> s.path("path").asText().contains("nova-broken"))
                .count(), "one attempt: the gateway's default, and the SDK's max_retries 0");
    }

    @Test
    void usageCarriesCachedAndReasoningTokens() {
        JsonNode gemini = result.at("/usage/gemini/usage");
        assertEquals(40, gemini.path("prompt_tokens").asInt(), gemini::toString);
        assertEquals(6 + 120, gemini.path("completion_tokens").asInt(), "thoughts count as completion tokens");
        assertEquals(32, gemini.path("cached_tokens").asInt());
        assertEquals(120, gemini.path("reasoning_tokens").asInt());
        assertEquals(24576, received("gemini", s -> s.at("/body/generationConfig/thinkingConfig").isObject())
                .at("/body/generationConfig/thinkingConfig/thinkingBudget").asInt(), "reasoning_effort high");

        JsonNode bedrock = result.at("/images/bedrock/usage");
        assertEquals(30 + 12, bedrock.path("prompt_tokens").asInt(), "cache reads are prompt tokens: " + bedrock);
        assertEquals(12, bedrock.path("cached_tokens").asInt());
        assertEquals(8, bedrock.path("completion_tokens").asInt());
    }

    @Test
    void cohereV2ChatPlainAndStreamed() {
        JsonNode plain = result.path("cohere");
        assertEquals("Hello from Command A.", plain.path("content").asText(), plain::toString);
        assertEquals("cohere/command-a-03-2025", plain.path("model").asText());
        assertEquals("stop", plain.path("finish_reason").asText());
        assertEquals(73, plain.at("/usage/prompt_tokens").asInt(), "tokens, not billed_units: " + plain);
        assertEquals(5, plain.at("/usage/completion_tokens").asInt());
        assertEquals(64, plain.at("/usage/cached_tokens").asInt());
        ObjectNode seen = stubs.seen("cohere").getFirst();
        assertEquals("Bearer " + COHERE_KEY, seen.path("authorization").asText(), seen::toString);
        assertEquals("command-a-03-2025", seen.at("/body/model").asText());
        assertEquals("system", seen.at("/body/messages/0/role").asText());
        assertEquals("Say hello.", seen.at("/body/messages/1/content").asText());

        JsonNode stream = result.path("cohere_stream");
        assertEquals(CompatStubs.COHERE_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals(73, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(78, stream.at("/usage/total_tokens").asInt());
        assertTrue(stubs.seen("cohere-stream").getFirst().at("/body/stream").asBoolean());
    }

    @Test
    void workersAiPlainAndStreamed() {
        JsonNode plain = result.path("workers_ai");
        assertEquals("Hello from Workers AI.", plain.path("content").asText(), plain::toString);
        assertEquals("workers-ai/@cf/meta/llama-3.1-8b-instruct", plain.path("model").asText());
        assertEquals("stop", plain.path("finish_reason").asText());
        assertEquals(25, plain.at("/usage/prompt_tokens").asInt(), plain::toString);
        assertEquals(6, plain.at("/usage/completion_tokens").asInt());
        ObjectNode seen = stubs.seen("workers-ai").getFirst();
        assertEquals("/client/v4/accounts/local/ai/run/@cf/meta/llama-3.1-8b-instruct", seen.path("path").asText());
        assertEquals("Bearer " + WORKERS_AI_KEY, seen.path("authorization").asText(), seen::toString);
        assertEquals(64, seen.at("/body/max_tokens").asInt());
        assertEquals("Be brief.", seen.at("/body/messages/0/content").asText());

        JsonNode stream = result.path("workers_ai_stream");
        assertEquals(CompatStubs.WORKERS_AI_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText(), "Workers AI sends none: stop at the end");
        assertEquals(18, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(7, stream.at("/usage/completion_tokens").asInt());
        assertTrue(stubs.seen("workers-ai-stream").getFirst().at("/body/stream").asBoolean());
    }

    @Test
    void bedrockConverseStreamArrivesDeltaByDeltaWithCachedTokensInTheUsageChunk() throws Exception {
        JsonNode stream = result.path("bedrock_stream");
        assertTrue(stream.path("content_type").asText().startsWith("text/event-stream"), "SSE, not Bedrock's event"
                + " stream: " + stream);
        assertEquals(CompatStubs.BEDROCK_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText(), "end_turn");
        assertEquals("aws-bedrock/" + CLAUDE_ON_BEDROCK, stream.path("model").asText());
        assertEquals(22 + 16, stream.at("/usage/prompt_tokens").asInt(), "cache reads are prompt tokens: " + stream);
        assertEquals(16, stream.at("/usage/cached_tokens").asInt(), stream::toString);
        assertEquals(9, stream.at("/usage/completion_tokens").asInt());
        assertEquals(47, stream.at("/usage/total_tokens").asInt(), "Bedrock's own totalTokens");
        assertTrue(stream.path("usage_last").asBoolean(), "the usage chunk is the last, with no choices: " + stream);
        assertTrue(stream.path("tool_calls").isEmpty(), stream::toString);

        // a Converse body (the stub refuses any other member with Bedrock's 400), with the Bedrock API key
        ObjectNode seen = received("bedrock-stream", s -> s.at("/body/inferenceConfig").isObject()
                && ("Bearer " + BEDROCK_KEY).equals(s.path("authorization").asText()));
        assertEquals("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream", seen.path("path").asText());
        assertEquals("Be brief.", seen.at("/body/system/0/text").asText(), seen::toString);
        assertEquals("user", seen.at("/body/messages/0/role").asText());
        assertEquals("Say hello.", seen.at("/body/messages/0/content/0/text").asText());
        assertEquals(64, seen.at("/body/inferenceConfig/maxTokens").asInt(), seen::toString);
        assertTrue(seen.path("refused").isMissingNode(), seen::toString);

        // logged with the provider and model that answered, and the stream's usage (cache reads counted apart)
        JsonNode log = awaitLog(stream.path("log_id").asText());
        assertEquals("aws-bedrock", log.path("provider").asText(), log::toString);
        assertEquals(CLAUDE_ON_BEDROCK, log.path("model").asText(), log::toString);
        assertEquals("aws-bedrock/" + CLAUDE_ON_BEDROCK, log.path("requested_model").asText());
        assertEquals(38, log.path("tokens_in").asInt(), log::toString);
        assertEquals(9, log.path("tokens_out").asInt(), log::toString);
        assertEquals(16, log.path("tokens_cached").asInt(), log::toString);
    }

    @Test
    void aThrottlingExceptionMidStreamIsRaisedByTheSdkAfterThePiecesBeforeIt() {
        JsonNode cut = result.path("bedrock_stream_throttled");
        assertEquals(List.of("Bedrock "), strings(cut.path("pieces")), cut::toString);
        assertEquals("APIError", cut.path("class").asText(), "raised while iterating the stream: " + cut);
        assertTrue(cut.path("message").asText().contains(CompatStubs.THROTTLED), cut::toString);
        assertEquals("rate_limit_exceeded", cut.path("code").asText(), cut::toString);
    }

    @Test
    void bedrockToolUseDeltasBecomeOpenAiToolCallDeltas() throws Exception {
        JsonNode stream = result.path("bedrock_stream_tools");
        assertEquals(List.of("Let me check."), strings(stream.path("pieces")), stream::toString);
        assertEquals("tool_calls", stream.path("finish_reason").asText(), "tool_use: " + stream);
        assertEquals(1, stream.path("tool_calls").size(), stream::toString);
        JsonNode call = stream.at("/tool_calls/0");
        assertEquals("tooluse_e2eStream01", call.path("id").asText(), call::toString);
        assertEquals("get_weather", call.path("name").asText());
        assertEquals(List.of("{\"city\":", " \"Paris\"}"), strings(call.path("arguments")),
                "toolUse.input arrives piece by piece, as Bedrock sent it");
        assertEquals("Paris", JSON.readTree(String.join("", strings(call.path("arguments")))).path("city").asText());
        assertEquals(41, stream.at("/usage/completion_tokens").asInt(), stream::toString);
        assertEquals(16, stream.at("/usage/cached_tokens").asInt());

        ObjectNode seen = received("bedrock-stream", s -> s.at("/body/toolConfig").isObject());
        JsonNode spec = seen.at("/body/toolConfig/tools/0/toolSpec");
        assertEquals("get_weather", spec.path("name").asText(), seen::toString);
        assertEquals("city", spec.at("/inputSchema/json/required/0").asText(), seen::toString);
    }

    @Test
    void bedrockConverseStreamSignedByTheGatewayWithTheCredentialsItHolds() throws Exception {
        JsonNode stream = result.path("bedrock_signed_stream");
        assertEquals(CompatStubs.BEDROCK_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals(16, stream.at("/usage/cached_tokens").asInt(), stream::toString);
        // the stub verified the signature over the translated body (else its 403 would have failed the script)
        ObjectNode seen = received("bedrock-stream", s -> s.path("authorization").asText().startsWith("AWS4-HMAC-SHA256 "));
        assertTrue(seen.path("authorization").asText().contains("Credential=" + CompatStubs.AWS_KEY_ID + "/"), seen::toString);
        assertTrue(seen.path("authorization").asText().contains("/us-east-1/bedrock/aws4_request"), seen::toString);
        assertTrue(seen.path("refused").isMissingNode(), seen::toString);
        assertFalse(seen.toString().contains("not-a-bedrock-key"), "the SDK's api_key is dropped under deny: " + seen);
        String signedHeaders = seen.path("authorization").asText().replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        assertTrue(signedHeaders.contains("x-amz-content-sha256") && signedHeaders.contains("host"), signedHeaders);
        assertFalse(signedHeaders.contains("cf-aig-") || signedHeaders.contains("x-aig-"),
                "the gateway token and the gateway's own headers do not go upstream: " + signedHeaders);

        // and the stub does refuse what Bedrock would: a forged signature, an OpenAI member left in the body
        String base = stubs.env().get("GATEWAY_UPSTREAM_AWS_BEDROCK");
        String converse = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/model/m/converse-stream"))
                .header("authorization", seen.path("authorization").asText()).header("x-amz-date",
                        seen.path("x-amz-date").asText()).POST(HttpRequest.BodyPublishers.ofString(converse)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode(), forged::body);
        HttpResponse<String> openAiBody = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/model/m/converse-stream"))
                .header("authorization", "Bearer " + BEDROCK_KEY).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"stream\":true," + converse.substring(1))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, openAiBody.statusCode(), openAiBody::body);
        assertTrue(openAiBody.body().contains("extraneous key [stream]"), openAiBody::body);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The one request stub {@code name} received that {@code which} picks. */
    private static ObjectNode received(String name, java.util.function.Predicate<ObjectNode> which) {
        List<ObjectNode> picked = stubs.seen(name).stream().filter(which).toList();
        assertEquals(1, picked.size(), () -> name + " received " + stubs.seen(name));
        return picked.getFirst();
    }

    private static JsonNode runScript(ObjectNode cfg) throws Exception {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("compat_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        Path out = Files.createTempFile("compat-e2e", ".out");
        Path err = Files.createTempFile("compat-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("python3", dir.resolve("compat_e2e.py").toString(), cfg.toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            for (String v : List.of("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")) {
                builder.environment().remove(v);
            }
            builder.environment().put("NO_PROXY", "127.0.0.1,localhost");
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            Process p;
            try {
                p = builder.start();
            } catch (IOException e) {
                throw new AssertionError("python3 is not on PATH: install Python 3 and `python3 -m pip install openai`", e);
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("compat_e2e.py did not finish in 120 s: " + Files.readString(err));
            }
            String stdout = Files.readString(out).strip();
            assertEquals(0, p.exitValue(), () -> "compat_e2e.py failed (needs `python3 -m pip install openai`):\n"
                    + readQuietly(out) + "\n" + readQuietly(err));
            return JSON.readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(runtime.rootUrl() + path))
                .header("Authorization", "Bearer " + runtime.adminToken()).timeout(Duration.ofSeconds(10));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitLog(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            HttpResponse<String> r = admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs/" + id, null);
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body()).path("result");
            }
            assertTrue(System.nanoTime() < deadline, () -> "no log " + id + ": " + r.body());
            Thread.sleep(50);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
