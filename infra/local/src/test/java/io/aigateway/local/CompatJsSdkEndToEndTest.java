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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI JS SDK ({@code openai} on npm, the version pinned in {@code src/test/js/package.json}), changed
 * in nothing but its base URL, against the local runtime's {@code /compat} endpoint in front of {@link CompatStubs}:
 * Anthropic plain, streamed and with tools, a Gemini stream with {@code stream_options.include_usage}, Bedrock
 * ConverseStream (text, and a tool call whose input arrives in pieces, with cached tokens in the usage chunk), Cohere
 * v2 and Workers AI plain and streamed, Groq passed through,
 * images (an https URL and a base64 data URL) to Anthropic and Gemini, JSON schema to Anthropic, Gemini and Bedrock,
 * Gemini's reasoning and cached tokens, and the SDK's typed errors ({@code RateLimitError} for a provider's 429,
 * {@code BadRequestError} for Google's 400 and with code 2048 for a parameter the provider cannot honour,
 * {@code InternalServerError} for Bedrock's 500).
 *
 * <p>The test installs the SDK itself ({@code npm ci} into {@code target/js-sdk}, once per pinned version). It is
 * skipped only when {@code node} is not on PATH; with node there, a failed install fails the test.
 */
class CompatJsSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ANTHROPIC_KEY = "sk-ant-compat-js-2b9e4f7a";
    private static final String GEMINI_KEY = "AIzaCompatJs-8d3c1e5f7a";
    private static final String GROQ_KEY = "gsk_compat_js_6e2a8c4d";
    private static final String BEDROCK_KEY = "ABSKQmVkcm9ja0pTLWUyZQ==";
    private static final String COHERE_KEY = "co-compat-js-4e8a2c6b";
    private static final String WORKERS_AI_KEY = "cf-workers-ai-js-7b3d9f1e";
    private static final String GATEWAY = "compat-js";

    private static CompatStubs stubs;
    private static LocalRuntime runtime;
    private static JsonNode result;

    @BeforeAll
    static void start() throws Exception {
        String node = nodeVersion();
        Assumptions.assumeTrue(node != null, "node is not on PATH: the JS SDK end-to-end test is skipped");
        Path sdk = installSdk();
        stubs = new CompatStubs();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(stubs.env()));
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("base_url", runtime.rootUrl() + "/v1/local/" + GATEWAY + "/compat");
        cfg.put("anthropic_key", ANTHROPIC_KEY);
        cfg.put("gemini_key", GEMINI_KEY);
        cfg.put("groq_key", GROQ_KEY);
        cfg.put("bedrock_key", BEDROCK_KEY);
        cfg.put("cohere_key", COHERE_KEY);
        cfg.put("workers_ai_key", WORKERS_AI_KEY);
        long started = System.nanoTime();
        result = runScript(sdk, cfg);
        System.out.printf("compat_e2e.mjs: %d ms%n", (System.nanoTime() - started) / 1_000_000);
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
        assertEquals(25, plain.at("/usage/prompt_tokens").asInt(), plain::toString);
        assertEquals(9, plain.at("/usage/completion_tokens").asInt());
        assertEquals(34, plain.at("/usage/total_tokens").asInt());
        assertEquals(4, plain.at("/usage/cached_tokens").asInt());

        ObjectNode seen = stubs.seen("anthropic").getFirst();
        assertEquals(ANTHROPIC_KEY, seen.path("x-api-key").asText(), seen::toString);
        assertTrue(seen.path("authorization").isNull(), seen::toString);
        assertEquals("Be brief.", seen.at("/body/system/0/text").asText(), seen::toString);
        assertTrue(seen.at("/body/messages/0/content").toString().contains("Say hello from JS."), seen::toString);

        JsonNode log = awaitLog(plain.path("log_id").asText());
        assertEquals("anthropic", log.path("provider").asText(), log::toString);
        assertEquals("claude-sonnet-4-5", log.path("model").asText());
        assertEquals("anthropic/claude-sonnet-4-5", log.path("requested_model").asText());
        assertEquals(25, log.path("tokens_in").asInt());
    }

    @Test
    void geminiStreamArrivesChunkByChunkWithTheUsageChunkLast() {
        JsonNode stream = result.path("stream");
        assertEquals(List.of("Gemini ", "streams ", "through compat."), strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals(5, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(11, stream.at("/usage/completion_tokens").asInt());
        assertEquals(16, stream.at("/usage/total_tokens").asInt());
        assertTrue(stream.path("chunks").asInt() >= 4, "three pieces and a usage chunk: " + stream);
        ObjectNode seen = stubs.seen("gemini-stream").getFirst();
        assertEquals(GEMINI_KEY, seen.path("x-goog-api-key").asText(), seen::toString);
        assertEquals("alt=sse", seen.path("query").asText(), seen::toString);
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
        assertEquals("function", tools.path("type").asText());
        assertEquals("get_weather", tools.path("name").asText());
        assertEquals("Paris", tools.at("/arguments/city").asText());
        assertEquals("toolu_e2e_01", tools.path("id").asText());
        ObjectNode seen = stubs.seen("anthropic").stream().filter(s -> s.at("/body/tools").size() > 0)
                .findFirst().orElseThrow();
        assertEquals("get_weather", seen.at("/body/tools/0/name").asText(), seen::toString);
        assertEquals("object", seen.at("/body/tools/0/input_schema/type").asText(), seen::toString);
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
    void errorsAreTheSdksTypedErrors() throws Exception {
        JsonNode provider = result.path("provider_error");
        assertEquals("RateLimitError", provider.path("class").asText(), provider::toString);
        assertTrue(provider.path("is_rate_limit").asBoolean(), provider::toString);
        assertEquals(429, provider.path("status").asInt());
        assertTrue(provider.path("message").asText().contains("rate limit"), provider::toString);

        JsonNode refused = result.path("unsupported");
        assertEquals("BadRequestError", refused.path("class").asText(), refused::toString);
        assertTrue(refused.path("is_bad_request").asBoolean(), refused::toString);
        assertEquals(400, refused.path("status").asInt());
        assertEquals("n", refused.path("param").asText());
        assertEquals("2048", refused.path("code").asText());
        assertEquals(1, stubs.seen("anthropic").stream()
                .filter(s -> "claude-rate-limited".equals(s.at("/body/model").asText())).count(),
                "maxRetries 0: one provider call; the refused n=2 never reached the provider");

        JsonNode google = result.path("gemini_400");
        assertEquals("BadRequestError", google.path("class").asText(), google::toString);
        assertTrue(google.path("is_bad_request").asBoolean(), google::toString);
        assertEquals(400, google.path("status").asInt());
        assertTrue(google.path("message").asText().contains("must be positive"), google::toString);

        JsonNode bedrock = result.path("bedrock_500");
        assertEquals("InternalServerError", bedrock.path("class").asText(), bedrock::toString);
        assertTrue(bedrock.path("is_internal").asBoolean(), bedrock::toString);
        assertEquals(500, bedrock.path("status").asInt());

        JsonNode jsonMode = result.path("json_object_refused");
        assertEquals("BadRequestError", jsonMode.path("class").asText(), jsonMode::toString);
        assertEquals("response_format", jsonMode.path("param").asText());
        assertEquals("2048", jsonMode.path("code").asText());

        // every call's log (plain, two streams, tools, groq, two images, three schemas, four errors, one reasoning,
        // three Bedrock streams (one cut short), Cohere and Workers AI plain and streamed; the two refused before
        // any provider call too), once ingested, is free of provider keys
        int calls = 23;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode listed;
        do {
            listed = JSON.readTree(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs?limit=50", null).body());
            if (listed.path("result").size() < calls) {
                Thread.sleep(50);
            }
        } while (listed.path("result").size() < calls && System.nanoTime() < deadline);
        assertEquals(calls, listed.path("result").size(), listed::toString);
        String logs = listed.toString();
        for (String secret : List.of(ANTHROPIC_KEY, GEMINI_KEY, GROQ_KEY, BEDROCK_KEY, COHERE_KEY, WORKERS_AI_KEY)) {
            assertFalse(logs.contains(secret), "a provider key in the logs");
        }
    }

    @Test
    void imagesReachAnthropicAndGeminiInTheirOwnShapes() {
        String pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
        String photo = "https://images.example.com/cats/cat.jpg";
        JsonNode claude = received("anthropic", s -> s.at("/body/messages/0/content").toString().contains("image"))
                .at("/body/messages/0/content");
        assertEquals(photo, claude.at("/1/source/url").asText(), claude::toString);
        assertEquals("base64", claude.at("/2/source/type").asText());
        assertEquals(pixel, claude.at("/2/source/data").asText());
        JsonNode gemini = received("gemini", s -> s.at("/body/contents/0/parts").toString().contains("inlineData"))
                .at("/body/contents/0/parts");
        assertEquals(pixel, gemini.at("/1/inlineData/data").asText(), gemini::toString);
        assertEquals(photo, gemini.at("/2/fileData/fileUri").asText());
        assertEquals("image/jpeg", gemini.at("/2/fileData/mimeType").asText());
        assertEquals("Hello from Claude through /compat.", result.at("/images/anthropic").asText(), result::toString);
    }

    @Test
    void jsonSchemaBecomesEachProvidersStructuredOutput() throws Exception {
        for (String provider : List.of("anthropic", "gemini", "bedrock")) {
            assertEquals("Paris", result.at("/json_schema/" + provider + "/city").asText(), result::toString);
            assertEquals(18, result.at("/json_schema/" + provider + "/temperature_c").asInt(), provider);
        }
        assertEquals("json_schema", received("anthropic", s -> s.at("/body/output_config").isObject())
                .at("/body/output_config/format/type").asText());
        assertEquals("application/json", received("gemini", s -> s.at("/body/generationConfig/responseSchema").isObject())
                .at("/body/generationConfig/responseMimeType").asText());
        ObjectNode bedrock = received("bedrock", s -> s.at("/body/outputConfig").isObject());
        assertEquals("Bearer " + BEDROCK_KEY, bedrock.path("authorization").asText(), bedrock::toString);
        JsonNode schema = JSON.readTree(bedrock.at("/body/outputConfig/textFormat/structure/jsonSchema/schema").asText());
        assertEquals("integer", schema.at("/properties/temperature_c/type").asText(), bedrock::toString);
    }

    @Test
    void reasoningAndCachedTokensReachTheSdk() {
        JsonNode usage = result.path("reasoning_usage");
        assertEquals(120, usage.path("reasoning_tokens").asInt(), usage::toString);
        assertEquals(32, usage.path("cached_tokens").asInt());
        assertEquals(126, usage.path("completion_tokens").asInt());
        assertEquals(40, usage.path("prompt_tokens").asInt());
    }

    @Test
    void bedrockConverseStreamArrivesDeltaByDeltaWithCachedTokensInTheUsageChunk() {
        JsonNode stream = result.path("bedrock_stream");
        assertEquals(CompatStubs.BEDROCK_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText(), "end_turn");
        assertEquals("aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", stream.path("model").asText());
        assertEquals(22 + 16, stream.at("/usage/prompt_tokens").asInt(), "cache reads are prompt tokens: " + stream);
        assertEquals(16, stream.at("/usage/cached_tokens").asInt(), stream::toString);
        assertEquals(9, stream.at("/usage/completion_tokens").asInt());
        assertEquals(47, stream.at("/usage/total_tokens").asInt());
        assertTrue(stream.path("usage_last").asBoolean(), "the usage chunk is the last, with no choices: " + stream);

        // a Converse body (the stub refuses any other member with Bedrock's 400), with the Bedrock API key
        ObjectNode seen = received("bedrock-stream", s -> s.at("/body/inferenceConfig").isObject());
        assertEquals("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream", seen.path("path").asText());
        assertEquals("Bearer " + BEDROCK_KEY, seen.path("authorization").asText(), seen::toString);
        assertEquals("Be brief.", seen.at("/body/system/0/text").asText(), seen::toString);
        assertEquals("Say hello from JS.", seen.at("/body/messages/0/content/0/text").asText());
        assertEquals(64, seen.at("/body/inferenceConfig/maxTokens").asInt(), seen::toString);
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
        assertEquals(List.of("{\"city\":", " \"Paris\"}"), strings(call.path("arguments")), call::toString);
        assertEquals("Paris", JSON.readTree(String.join("", strings(call.path("arguments")))).path("city").asText());
        assertEquals(41, stream.at("/usage/completion_tokens").asInt(), stream::toString);
        ObjectNode seen = received("bedrock-stream", s -> s.at("/body/toolConfig").isObject());
        assertEquals("get_weather", seen.at("/body/toolConfig/tools/0/toolSpec/name").asText(), seen::toString);
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

        JsonNode stream = result.path("cohere_stream");
        assertEquals(CompatStubs.COHERE_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText());
        assertEquals(73, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(5, stream.at("/usage/completion_tokens").asInt());
        assertEquals(64, stream.at("/usage/cached_tokens").asInt());
        assertTrue(stream.path("usage_last").asBoolean(), stream::toString);
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

        JsonNode stream = result.path("workers_ai_stream");
        assertEquals(CompatStubs.WORKERS_AI_PIECES, strings(stream.path("pieces")), stream::toString);
        assertEquals("stop", stream.path("finish_reason").asText(), "Workers AI sends none: stop at the end");
        assertEquals(18, stream.at("/usage/prompt_tokens").asInt(), stream::toString);
        assertEquals(7, stream.at("/usage/completion_tokens").asInt());
        assertEquals(25, stream.at("/usage/total_tokens").asInt());
        assertTrue(stream.path("usage_last").asBoolean(), stream::toString);
        assertTrue(stubs.seen("workers-ai-stream").getFirst().at("/body/stream").asBoolean());
    }

    /** The one request stub {@code name} received that {@code which} picks. */
    private static ObjectNode received(String name, java.util.function.Predicate<ObjectNode> which) {
        List<ObjectNode> picked = stubs.seen(name).stream().filter(which).toList();
        assertEquals(1, picked.size(), () -> name + " received " + stubs.seen(name));
        return picked.getFirst();
    }

    // ---- the SDK --------------------------------------------------------------------------------------------------

    /** {@code node --version}, or null when node is not on PATH. */
    private static String nodeVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException notThere) {
            return null;
        }
    }

    private static Path jsSources() {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "js").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("package.json"))) {
            dir = Path.of("infra", "local", "src", "test", "js").toAbsolutePath().normalize();
        }
        return dir;
    }

    /**
     * Copies package.json, its lock and the script into {@code target/js-sdk} and runs {@code npm ci} there unless
     * the pinned openai version is already installed.
     */
    private static Path installSdk() throws Exception {
        Path src = jsSources();
        Path target = src.getParent().getParent().getParent().resolve("target").resolve("js-sdk");
        Files.createDirectories(target);
        for (String f : List.of("package.json", "package-lock.json", "compat_e2e.mjs")) {
            Files.copy(src.resolve(f), target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        String pinned = JSON.readTree(src.resolve("package.json").toFile()).at("/dependencies/openai").asText();
        Path installed = target.resolve("node_modules").resolve("openai").resolve("package.json");
        if (Files.isRegularFile(installed) && pinned.equals(JSON.readTree(installed.toFile()).path("version").asText())) {
            return target;
        }
        Path log = Files.createTempFile("npm-ci", ".log");
        try {
            Process p;
            try {
                p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                        .directory(target.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException noNpm) {
                throw new AssertionError("node is on PATH but npm is not: install npm to run the JS SDK test", noNpm);
            }
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("npm ci did not finish in 300 s:\n" + Files.readString(log));
            }
            assertEquals(0, p.exitValue(), () -> "npm ci of openai@" + pinned + " failed in " + target + ":\n"
                    + readQuietly(log));
        } finally {
            Files.deleteIfExists(log);
        }
        assertTrue(Files.isRegularFile(installed), "npm ci installed no openai package in " + target);
        return target;
    }

    private static JsonNode runScript(Path sdk, ObjectNode cfg) throws Exception {
        Path out = Files.createTempFile("compat-js", ".out");
        Path err = Files.createTempFile("compat-js", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("node", sdk.resolve("compat_e2e.mjs").toString(), cfg.toString())
                    .directory(sdk.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            for (String v : List.of("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                    "OPENAI_LOG", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")) {
                builder.environment().remove(v);
            }
            builder.environment().put("NO_PROXY", "127.0.0.1,localhost");
            Process p = builder.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("compat_e2e.mjs did not finish in 120 s: " + readQuietly(err));
            }
            String stdout = Files.readString(out).strip();
            assertEquals(0, p.exitValue(), () -> "compat_e2e.mjs failed:\n" + readQuietly(out) + "\n" + readQuietly(err));
            return JSON.readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

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
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
