package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.local.LocalRuntime.Options;
import io.aigateway.local.ProviderStub.Reply;
import io.aigateway.local.ProviderStub.Seen;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official Python SDKs (OpenAI and AzureOpenAI, Anthropic, Google Gen AI, Groq, boto3's bedrock-runtime),
 * changed in nothing but their base URL (boto3: the README's before-send recipe), against the local runtime (in
 * this JVM, in memory) in front of {@link ProviderStub}, a loopback stub that speaks each provider's wire format,
 * streams included. Per SDK: a plain call, a streamed call, a cached pair and a gateway-made error, each checked
 * in what the SDK handed its caller, in what reached the stub, and in the gateway's log (admin API).
 *
 * <p>The SDK scripts (one Python process per SDK package; OpenAI and AzureOpenAI share one) all start at once in
 * {@link #start()}, since importing the SDKs is most of their time; each test then checks its SDK's results.
 *
 * <p>Needs {@code python3} on PATH with {@value #INSTALL_HINT}; without them the test fails (CI installs them), it
 * never skips. The scripts are in {@code src/test/python}. The mistralai and cohere SDKs are not covered yet:
 * neither could be installed where this test was written (the package index offered neither).
 */
class OfficialSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String INSTALL_HINT = "python3 -m pip install openai anthropic groq google-genai boto3";
    private static final String MODULES = "openai, anthropic, groq, google.genai, boto3";

    private static final String OPENAI_KEY = "sk-e2e-openai-4f1c9a7d2b";
    private static final String AZURE_KEY = "e2eazure0b7c4d1e9f2a3b5c6d7e8f90";
    private static final String ANTHROPIC_KEY = "sk-ant-e2e-anthropic-8b3e6c1f0a";
    private static final String GROQ_KEY = "gsk_e2e_groq_5d2a8c7e1b9f";
    private static final String GEMINI_KEY = "AIzaE2eGemini-3c9f1a7b5d2e8f0a4c6b";
    private static final String AWS_ACCESS_KEY_ID = "AKIAE2ETESTNOTREAL01";
    private static final String AWS_SECRET = "e2e/secret+not-real/0123456789abcdefghijklmn";
    private static final List<String> SECRETS = List.of(OPENAI_KEY, AZURE_KEY, ANTHROPIC_KEY, GROQ_KEY, GEMINI_KEY,
            AWS_SECRET);

    private static final String AZURE_RESOURCE = "e2e-resource";
    private static final String AZURE_API_VERSION = "2024-10-21";
    private static final String BEDROCK_REGION = "us-east-1";
    private static final String BEDROCK_HOST = "bedrock-runtime." + BEDROCK_REGION + ".amazonaws.com";

    /** Milliseconds the stub waits between two streamed events. */
    private static final long EVENT_GAP_MS = 50;

    private static Reply reply(String model, int in, int out, String... pieces) {
        return new Reply(model, List.of(pieces), in, out);
    }

    /** The models of one SDK's cases; each model appears once in the test, so its requests and logs are its own. */
    record Cases(Reply plain, Reply stream, Reply cached, Reply error) {
        List<Reply> all() {
            return List.of(plain, stream, cached, error);
        }
    }

    private static final Cases OPENAI = new Cases(
            reply("gpt-4o-mini", 13, 7, "Hello from the OpenAI stub upstream."),
            reply("gpt-4.1-mini", 17, 5, "Streaming ", "through ", "the ", "gateway", ", chunk by chunk!"),
            reply("gpt-4o", 11, 6, "A cached answer from OpenAI."),
            reply("o4-mini", 8, 4, "Admitted before the limit."));
    private static final Reply OPENAI_METADATA = reply("gpt-4.1-nano", 9, 3, "A reply tagged with metadata.");
    private static final Cases AZURE = new Cases(
            reply("e2e-gpt-4o-mini", 14, 8, "Hello from the Azure OpenAI stub."),
            reply("e2e-gpt-4o-stream", 18, 6, "Azure ", "streams ", "behind ", "a filter ", "chunk."),
            reply("e2e-gpt-4o-cached", 12, 5, "A cached answer from Azure."),
            reply("e2e-gpt-4o-limited", 7, 2, "Admitted by Azure."));
    private static final Cases ANTHROPIC = new Cases(
            reply("claude-3-5-haiku-latest", 21, 8, "Hello from the Anthropic stub upstream."),
            reply("claude-sonnet-4-5", 25, 12, "Streamed ", "by ", "Claude ", "through ", "the gateway."),
            reply("claude-haiku-4-5", 19, 9, "A cached answer from Claude."),
            reply("claude-opus-4-1", 10, 3, "Admitted by Claude."));
    private static final Cases GROQ = new Cases(
            reply("llama-3.1-8b-instant", 15, 9, "Hello from the Groq stub upstream."),
            reply("llama-3.3-70b-versatile", 23, 7, "Groq ", "streams ", "its usage ", "in x_groq", "."),
            reply("openai/gpt-oss-20b", 16, 4, "A cached answer from Groq."),
            reply("meta-llama/llama-4-scout-17b-16e-instruct", 6, 2, "Admitted by Groq."));
    private static final Cases GEMINI = new Cases(
            reply("gemini-2.0-flash", 4, 10, "Hello from the Gemini stub upstream."),
            reply("gemini-2.5-flash", 5, 11, "Gemini ", "streams ", "over ", "alt=sse ", "events."),
            reply("gemini-2.0-flash-lite", 4, 7, "A cached answer from Gemini."),
            reply("gemini-2.5-pro", 4, 3, "Admitted by Gemini."));
    private static final Cases BEDROCK = new Cases(
            reply("anthropic.claude-3-haiku-20240307-v1:0", 12, 9, "Hello from the Bedrock Converse stub."),
            reply("anthropic.claude-3-5-sonnet-20240620-v1:0", 20, 8, "Bedrock ", "frames ", "an event ", "stream ",
                    "with CRCs."),
            reply("amazon.nova-micro-v1:0", 9, 6, "A cached answer from Nova."),
            reply("meta.llama3-8b-instruct-v1:0", 5, 2, "Admitted by Bedrock."));
    private static final Reply BEDROCK_INVOKE = reply("anthropic.claude-3-5-haiku-20241022-v1:0", 16, 7,
            "Hello from InvokeModel.");

    private static ProviderStub stub;
    private static LocalRuntime runtime;
    private static Path scriptsDir;
    private static ExecutorService scriptThreads;
    /** Each script's result (its last line of output, as JSON), by script. */
    private static final Map<String, CompletableFuture<JsonNode>> RUNS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        scriptsDir = pythonScripts();
        requirePythonSdks();
        List<Reply> replies = new ArrayList<>(List.of(OPENAI_METADATA, BEDROCK_INVOKE));
        Stream.of(OPENAI, AZURE, ANTHROPIC, GROQ, GEMINI, BEDROCK).forEach(c -> replies.addAll(c.all()));
        stub = new ProviderStub(EVENT_GAP_MS, replies);
        String base = stub.baseUrl();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(Map.of(
                "GATEWAY_UPSTREAM_OPENAI", base + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", base,
                "GATEWAY_UPSTREAM_AZURE_OPENAI", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/openai/v1",
                "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_AWS_BEDROCK", base)));

        ObjectNode openai = config("sdk-openai", "openai", "", OPENAI).put("flavour", "openai");
        ((ObjectNode) openai.get("models")).put("metadata", OPENAI_METADATA.model());
        ObjectNode azure = config("sdk-azure", "azure-openai", "/" + AZURE_RESOURCE, AZURE).put("flavour", "azure")
                .put("api_version", AZURE_API_VERSION);
        ObjectNode openaiRuns = JSON.createObjectNode();
        openaiRuns.set("openai", openai);
        openaiRuns.set("azure", azure);
        ObjectNode bedrock = config("sdk-bedrock", "aws-bedrock", "/bedrock-runtime/" + BEDROCK_REGION, BEDROCK)
                .put("region", BEDROCK_REGION).put("cache_key", "e2e-bedrock-" + System.nanoTime());
        ((ObjectNode) bedrock.get("models")).put("invoke", BEDROCK_INVOKE.model());
        // signatures differ per request, so only the caller's own key can cache them, shared by design
        adminPut("sdk-bedrock", "{\"cache_key_shared\": true}");

        scriptThreads = Executors.newFixedThreadPool(5);
        launch("openai_e2e.py", Map.of("OPENAI_API_KEY", OPENAI_KEY, "AZURE_OPENAI_API_KEY", AZURE_KEY), openaiRuns);
        launch("anthropic_e2e.py", Map.of("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
                config("sdk-anthropic", "anthropic", "", ANTHROPIC));
        launch("google_genai_e2e.py", Map.of("GEMINI_API_KEY", GEMINI_KEY),
                config("sdk-google", "google-ai-studio", "", GEMINI));
        launch("groq_e2e.py", Map.of("GROQ_API_KEY", GROQ_KEY), config("sdk-groq", "groq", "", GROQ));
        launch("boto3_bedrock_e2e.py",
                Map.of("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY", AWS_SECRET), bedrock);
    }

    @AfterAll
    static void stop() {
        if (scriptThreads != null) {
            scriptThreads.shutdownNow(); // interrupts a wait; run() then kills its script
        }
        if (runtime != null) {
            runtime.close();
        }
        if (stub != null) {
            stub.close();
        }
    }

    // ---- OpenAI -----------------------------------------------------------------------------------------------

    @Test
    void openAiSdk() throws Exception {
        String gateway = "sdk-openai";
        JsonNode got = result("openai_e2e.py").path("openai");
        SdkChecks checks = new SdkChecks(gateway, "openai", OPENAI, OfficialSdkEndToEndTest::assertOpenAiUsage,
                seen -> {
                    assertEquals("/v1/chat/completions", seen.path(), seen::toString);
                    assertEquals("Bearer " + OPENAI_KEY, seen.header("authorization"), seen::toString);
                });
        checks.plain(got.path("plain"), "finish_reason", "stop");
        checks.stream(got.path("stream"), "finish_reason", "stop");
        Seen streamed = stub.seenFor(OPENAI.stream().model()).getFirst();
        assertTrue(streamed.json().path("stream_options").path("include_usage").asBoolean(), streamed::toString);
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals(429, error.path("status").asInt(), error::toString);
            assertEquals("rate_limit_error", error.path("type").asText(), error::toString);
            assertEquals("2009", error.path("code").asText(), error::toString);
            return error.path("body").path("message").asText();
        });

        // cf-aig-metadata through default_headers: logged with the request that sent it, never sent upstream
        JsonNode tagged = got.path("metadata");
        assertEquals(OPENAI_METADATA.text(), tagged.path("content").asText(), got::toString);
        assertOpenAiUsage(OPENAI_METADATA, tagged.path("usage"));
        JsonNode metadataLog = awaitLog(gateway, logId(tagged));
        assertLog(metadataLog, "openai", OPENAI_METADATA, false, false);
        assertEquals("e2e", metadataLog.path("metadata").path("team").asText(null), metadataLog::toString);
        JsonNode plainLog = awaitLog(gateway, logId(got.path("plain")));
        assertFalse(plainLog.path("metadata").has("team"), () -> "metadata belongs to its own request: " + plainLog);
        checks.upstream(onlyRequestFor(OPENAI_METADATA));
        assertNoSecretsLogged(gateway);
    }

    @Test
    void azureOpenAiSdk() throws Exception {
        String gateway = "sdk-azure";
        JsonNode got = result("openai_e2e.py").path("azure");
        SdkChecks checks = new SdkChecks(gateway, "azure-openai", AZURE, OfficialSdkEndToEndTest::assertOpenAiUsage,
                seen -> {
                    assertEquals("/openai/deployments/" + seen.model() + "/chat/completions", seen.path(),
                            seen::toString);
                    assertEquals("api-version=" + AZURE_API_VERSION, seen.rawQuery(), seen::toString);
                    assertEquals(AZURE_KEY, seen.header("api-key"), seen::toString);
                    assertNull(seen.header("authorization"), seen::toString);
                });
        checks.plain(got.path("plain"), "finish_reason", "stop");
        checks.stream(got.path("stream"), "finish_reason", "stop");
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals(429, error.path("status").asInt(), error::toString);
            assertEquals("rate_limit_error", error.path("type").asText(), error::toString);
            return error.path("body").path("message").asText();
        });
        assertNoSecretsLogged(gateway);
    }

    private static void assertOpenAiUsage(Reply reply, JsonNode usage) {
        assertEquals(reply.tokensIn(), usage.path("prompt_tokens").asInt(-1), usage::toString);
        assertEquals(reply.tokensOut(), usage.path("completion_tokens").asInt(-1), usage::toString);
        assertEquals(reply.total(), usage.path("total_tokens").asInt(-1), usage::toString);
    }

    // ---- Anthropic --------------------------------------------------------------------------------------------

    @Test
    void anthropicSdk() throws Exception {
        String gateway = "sdk-anthropic";
        JsonNode got = result("anthropic_e2e.py");
        SdkChecks checks = new SdkChecks(gateway, "anthropic", ANTHROPIC, (reply, usage) -> {
            assertEquals(reply.tokensIn(), usage.path("input_tokens").asInt(-1), usage::toString);
            assertEquals(reply.tokensOut(), usage.path("output_tokens").asInt(-1), usage::toString);
        }, seen -> {
            assertEquals("/v1/messages", seen.path(), seen::toString);
            assertEquals(ANTHROPIC_KEY, seen.header("x-api-key"), seen::toString);
            assertNotNull(seen.header("anthropic-version"), seen::toString);
        });
        checks.plain(got.path("plain"), "stop_reason", "end_turn");
        JsonNode stream = got.path("stream");
        checks.stream(stream, "stop_reason", "end_turn");
        assertEquals(ANTHROPIC.stream().text(), stream.path("final_content").asText(), stream::toString);
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals(429, error.path("status").asInt(), error::toString);
            assertEquals("error", error.path("body").path("type").asText(), error::toString);
            assertEquals("rate_limit_error", error.path("body").path("error").path("type").asText(), error::toString);
            return error.path("body").path("error").path("message").asText();
        });
        assertNoSecretsLogged(gateway);
    }

    // ---- Google Gen AI ----------------------------------------------------------------------------------------

    @Test
    void googleGenAiSdk() throws Exception {
        String gateway = "sdk-google";
        JsonNode got = result("google_genai_e2e.py");
        SdkChecks checks = new SdkChecks(gateway, "google-ai-studio", GEMINI, (reply, usage) -> {
            assertEquals(reply.tokensIn(), usage.path("prompt_token_count").asInt(-1), usage::toString);
            assertEquals(reply.tokensOut(), usage.path("candidates_token_count").asInt(-1), usage::toString);
            assertEquals(reply.total(), usage.path("total_token_count").asInt(-1), usage::toString);
        }, seen -> {
            boolean streamed = seen.path().endsWith(":streamGenerateContent");
            assertEquals("/v1beta/models/" + seen.model() + (streamed ? ":streamGenerateContent" : ":generateContent"),
                    seen.path(), seen::toString);
            if (streamed) {
                assertEquals("alt=sse", seen.rawQuery(), seen::toString);
            }
            assertEquals(GEMINI_KEY, seen.header("x-goog-api-key"), seen::toString);
        });
        checks.plain(got.path("plain"), "finish_reason", "STOP");
        assertEquals(GEMINI.plain().model(), got.path("plain").path("model_version").asText(), got::toString);
        checks.stream(got.path("stream"), "finish_reason", "STOP");
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals(429, error.path("code").asInt(), error::toString);
            assertEquals("RESOURCE_EXHAUSTED", error.path("status").asText(), error::toString);
            return error.path("message").asText();
        });
        assertNoSecretsLogged(gateway);
    }

    // ---- Groq -------------------------------------------------------------------------------------------------

    @Test
    void groqSdk() throws Exception {
        String gateway = "sdk-groq";
        JsonNode got = result("groq_e2e.py");
        SdkChecks checks = new SdkChecks(gateway, "groq", GROQ, OfficialSdkEndToEndTest::assertOpenAiUsage, seen -> {
            // Groq(base_url=.../groq) appends /openai/v1 itself: one /openai/v1 reaches Groq, not two
            assertEquals("/openai/v1/chat/completions", seen.path(), seen::toString);
            assertEquals("Bearer " + GROQ_KEY, seen.header("authorization"), seen::toString);
        });
        checks.plain(got.path("plain"), "finish_reason", "stop");
        assertEquals("req_e2e_" + GROQ.plain().model(), got.path("plain").path("x_groq_id").asText(), got::toString);
        checks.stream(got.path("stream"), "finish_reason", "stop");
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals(429, error.path("status").asInt(), error::toString);
            assertEquals("rate_limit_error", error.path("body").path("error").path("type").asText(), error::toString);
            return error.path("body").path("error").path("message").asText();
        });
        assertNoSecretsLogged(gateway);
    }

    // ---- boto3 bedrock-runtime --------------------------------------------------------------------------------

    @Test
    void boto3BedrockRuntime() throws Exception {
        String gateway = "sdk-bedrock";
        JsonNode got = result("boto3_bedrock_e2e.py");
        SdkChecks checks = new SdkChecks(gateway, "aws-bedrock", BEDROCK, (reply, usage) -> {
            assertEquals(reply.tokensIn(), usage.path("inputTokens").asInt(-1), usage::toString);
            assertEquals(reply.tokensOut(), usage.path("outputTokens").asInt(-1), usage::toString);
            assertEquals(reply.total(), usage.path("totalTokens").asInt(-1), usage::toString);
        }, seen -> {
            // the path's bytes as boto3 signed them (the model id's ':' stays %3A), and a signature that verifies
            String encodedId = URLEncoder.encode(seen.model(), StandardCharsets.UTF_8);
            assertTrue(seen.rawPath().startsWith("/model/" + encodedId + "/"), seen::toString);
            String mismatch = ProviderStub.sigV4Mismatch(seen, AWS_SECRET, BEDROCK_REGION, "bedrock", BEDROCK_HOST);
            assertNull(mismatch, () -> "the SigV4 signature boto3 made for " + BEDROCK_HOST
                    + " must still verify once the gateway passed the request on: " + mismatch + "\n" + seen);
            assertTrue(seen.header("authorization").contains("Credential=" + AWS_ACCESS_KEY_ID + "/"), seen::toString);
        });
        checks.plain(got.path("plain"), "stop_reason", "end_turn");
        JsonNode stream = got.path("stream");
        checks.stream(stream, "stop_reason", "end_turn");
        List<String> events = new ArrayList<>();
        stream.path("events").forEach(e -> events.add(e.asText()));
        assertEquals(List.of("messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta",
                "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"), events,
                () -> "botocore decoded every frame of the event stream, CRCs checked: " + stream);
        assertTrue(stub.seenFor(BEDROCK.stream().model()).getFirst().path().endsWith("/converse-stream"));
        checks.cached(got.path("cached"));
        checks.error(got.path("error"), error -> {
            assertEquals("ThrottlingException", error.path("code").asText(), error::toString);
            assertEquals(429, error.path("status").asInt(), error::toString);
            assertTrue(error.path("is_client_error").asBoolean(), error::toString);
            return error.path("message").asText();
        });

        // invoke_model: the x-amzn-bedrock-* headers boto3 signed reach Bedrock, and the answer comes back whole
        JsonNode invoke = got.path("invoke");
        assertEquals(BEDROCK_INVOKE.text(), invoke.path("content").asText(), invoke::toString);
        assertEquals(BEDROCK_INVOKE.tokensIn(), invoke.path("usage").path("input_tokens").asInt(), invoke::toString);
        assertEquals(BEDROCK_INVOKE.tokensOut(), invoke.path("usage").path("output_tokens").asInt(), invoke::toString);
        assertEquals("optimized", invoke.path("performance_config_latency").asText(), invoke::toString);
        assertEquals(Integer.toString(BEDROCK_INVOKE.tokensIn()), invoke.path("input_token_count").asText(),
                invoke::toString);
        Seen invoked = onlyRequestFor(BEDROCK_INVOKE);
        checks.upstream(invoked);
        assertTrue(invoked.path().endsWith("/invoke"), invoked::toString);
        Map<String, String> bedrockHeaders = Map.of(
                "x-amzn-bedrock-trace", "ENABLED",
                "x-amzn-bedrock-guardrailidentifier", "gr-e2e0001",
                "x-amzn-bedrock-guardrailversion", "1",
                "x-amzn-bedrock-performanceconfig-latency", "optimized");
        String signed = invoked.header("authorization").replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        bedrockHeaders.forEach((name, value) -> {
            assertEquals(value, invoked.header(name), () -> name + " reaches Bedrock: " + invoked);
            assertTrue(Arrays.asList(signed.split(";")).contains(name), () -> name + " is signed: " + signed);
        });
        JsonNode invokeLog = awaitLog(gateway, logId(invoke));
        assertLog(invokeLog, "aws-bedrock", BEDROCK_INVOKE, false, false);
        assertNoSecretsLogged(gateway);
    }

    // ---- what every SDK's cases must show ---------------------------------------------------------------------

    /**
     * The checks every SDK's cases share.
     *
     * @param usage    the SDK's usage object (in its own field names) equals what the stub reported
     * @param upstream what one request looks like when it reaches the provider
     */
    private record SdkChecks(String gateway, String provider, Cases cases, BiConsumer<Reply, JsonNode> usage,
                             Consumer<Seen> upstream) {

        /** The answer and its usage arrive unchanged; one upstream request; the log has the tokens. */
        void plain(JsonNode got, String stopField, String stopValue) throws Exception {
            Reply reply = cases.plain();
            assertEquals(reply.text(), got.path("content").asText(), got::toString);
            assertEquals(stopValue, got.path(stopField).asText(), got::toString);
            usage.accept(reply, got.path("usage"));
            upstream(onlyRequestFor(reply));
            assertLog(awaitLog(gateway, logId(got)), provider, reply, false, false);
        }

        /**
         * Every piece arrives, passed on as it came (the SDK had the first piece while the stub still held the rest
         * back), with the usage; the log has the stream's tokens.
         */
        void stream(JsonNode got, String stopField, String stopValue) throws Exception {
            Reply reply = cases.stream();
            assertEquals(reply.text(), got.path("content").asText(), got::toString);
            assertEquals(reply.pieces().size(), got.path("content_chunks").asInt(), got::toString);
            assertEquals(stopValue, got.path(stopField).asText(), got::toString);
            usage.accept(reply, got.path("usage"));
            assertEquals(Boolean.TRUE, stub.firstPieceReachedClientMidStream(reply.model()),
                    () -> "the stub sent the first piece of the stream, then held the rest back for "
                            + ProviderStub.FIRST_PIECE_WAIT_MS + " ms, but the SDK never got that piece in the "
                            + "meantime: the gateway held the stream back instead of passing it on: " + got);
            upstream(onlyRequestFor(reply));
            assertLog(awaitLog(gateway, logId(got)), provider, reply, true, false);
        }

        /**
         * The same request twice with cf-aig-cache-ttl (sent through the SDK's own extra-headers mechanism): the
         * first is a MISS that reaches the provider, the second a HIT answered by the gateway alone, with the same
         * answer and usage; the hit is logged as cached, with the original answer's tokens.
         */
        void cached(JsonNode got) throws Exception {
            Reply reply = cases.cached();
            assertEquals(2, got.size(), got::toString);
            JsonNode miss = got.get(0);
            JsonNode hit = got.get(1);
            for (JsonNode call : List.of(miss, hit)) {
                assertEquals(reply.text(), call.path("content").asText(), call::toString);
                usage.accept(reply, call.path("usage"));
            }
            assertEquals("MISS", miss.path("headers").path("cf-aig-cache-status").asText(), miss::toString);
            assertEquals("HIT", hit.path("headers").path("cf-aig-cache-status").asText(),
                    () -> "the second identical request is answered from the cache: " + hit);
            upstream(onlyRequestFor(reply));
            assertLog(awaitLog(gateway, logId(miss)), provider, reply, false, false);
            JsonNode hitLog = awaitLog(gateway, logId(hit));
            assertLog(hitLog, provider, reply, false, true);
        }

        /**
         * A gateway limited to 1 request: the SDK raises its own typed error (the script catches only that class),
         * with the gateway's message, Retry-After and cf-aig-error-code 2009; the refused request never reaches the
         * provider and is logged as a 429.
         *
         * @param sdkSpecific checks the SDK's own error fields and returns the message the SDK extracted
         */
        void error(JsonNode got, Function<JsonNode, String> sdkSpecific) throws Exception {
            Reply reply = cases.error();
            String limited = gateway + "-limited";
            String message = sdkSpecific.apply(got);
            assertTrue(message.startsWith("Rate limit exceeded: gateway '" + limited + "' allows 1 request per "),
                    () -> "the SDK shows the gateway's own message: " + got);
            JsonNode headers = got.path("headers");
            assertEquals("2009", headers.path("cf-aig-error-code").asText(), got::toString);
            assertTrue(headers.path("retry-after").asInt(0) >= 1, () -> "Retry-After: " + got);
            int admitted = got.path("admitted_before").asInt(-1);
            assertTrue(admitted == 1 || admitted == 2, () -> "1 request admitted per window (2 when the calls "
                    + "straddled a window boundary), then refused: " + got);
            List<Seen> reached = stub.seenFor(reply.model());
            assertEquals(admitted, reached.size(), () -> "a refused request never reaches the provider: " + reached);
            reached.forEach(upstream);
            JsonNode log = awaitLog(limited, logId(got));
            assertEquals(provider, log.path("provider").asText(null), log::toString);
            assertEquals(reply.model(), log.path("model").asText(null), log::toString);
            assertEquals(429, log.path("status_code").asInt(), log::toString);
            assertFalse(log.path("success").asBoolean(true), log::toString);
            assertEquals("2009", log.path("error_code").asText(), log::toString);
            assertNoSecretsLogged(limited);
        }

        void upstream(Seen seen) {
            upstream.accept(seen);
            assertNoGatewayHeaders(seen);
        }
    }

    private static Seen onlyRequestFor(Reply reply) {
        List<Seen> matching = stub.seenFor(reply.model());
        assertEquals(1, matching.size(), () -> "the provider should see exactly one request for " + reply.model()
                + ", saw " + matching);
        return matching.getFirst();
    }

    private static void assertNoGatewayHeaders(Seen request) {
        List<String> leaked = request.headers().keySet().stream().filter(h -> h.startsWith("cf-aig-")).toList();
        assertTrue(leaked.isEmpty(), () -> "cf-aig-* headers are never sent upstream, the stub got " + leaked
                + " in " + request);
    }

    private static void assertLog(JsonNode log, String provider, Reply reply, boolean stream, boolean cached) {
        assertEquals(provider, log.path("provider").asText(null), log::toString);
        assertEquals(reply.model(), log.path("model").asText(null), log::toString);
        assertEquals(200, log.path("status_code").asInt(), log::toString);
        assertTrue(log.path("success").asBoolean(), log::toString);
        assertEquals(stream, log.path("stream").asBoolean(), log::toString);
        assertEquals(cached, log.path("cached").asBoolean(), log::toString);
        assertTrue(log.path("tokens_in").isNumber(), () -> "tokens_in missing: " + log);
        assertTrue(log.path("tokens_out").isNumber(), () -> "tokens_out missing: " + log);
        assertEquals(reply.tokensIn(), log.path("tokens_in").asLong(), () -> "tokens_in: " + log);
        assertEquals(reply.tokensOut(), log.path("tokens_out").asLong(), () -> "tokens_out: " + log);
    }

    private static String logId(JsonNode call) {
        String id = call.path("headers").path("cf-aig-log-id").asText(null);
        assertNotNull(id, () -> "the response carries cf-aig-log-id: " + call);
        return id;
    }

    // ---- the admin API ----------------------------------------------------------------------------------------

    private static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(runtime.rootUrl() + path))
                .header("Authorization", "Bearer " + runtime.adminToken())
                .timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void adminPut(String gateway, String settings) throws Exception {
        HttpResponse<String> response = admin("PUT", "/api/v1/gateways/" + gateway, settings);
        assertEquals(200, response.statusCode(), response::body);
    }

    /** One log by id, polled for up to 5 s (the log is written after the response). */
    private static JsonNode awaitLog(String gateway, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            HttpResponse<String> response = admin("GET", "/api/v1/gateways/" + gateway + "/logs/" + id, null);
            if (response.statusCode() == 200) {
                JsonNode root = JSON.readTree(response.body());
                assertTrue(root.path("success").asBoolean(), response::body);
                return root.path("result");
            }
            assertEquals(404, response.statusCode(), response::body);
            if (System.nanoTime() > deadline) {
                fail("no log " + id + " of gateway " + gateway + " within 5 s: " + response.body());
            }
            Thread.sleep(50);
        }
    }

    /** No provider key or secret anywhere in what the admin API shows of a gateway's logs. */
    private static void assertNoSecretsLogged(String gateway) throws Exception {
        HttpResponse<String> response = admin("GET", "/api/v1/gateways/" + gateway + "/logs?limit=100", null);
        assertEquals(200, response.statusCode(), response::body);
        assertTrue(JSON.readTree(response.body()).path("result").size() > 0, response::body);
        for (String secret : SECRETS) {
            assertFalse(response.body().contains(secret), () -> "provider keys are never stored, but the logs of "
                    + gateway + " show one: " + response.body());
        }
    }

    // ---- Python ----------------------------------------------------------------------------------------------

    /**
     * One SDK run's config: the route on its gateway and on {@code gateway}-limited, which this limits to 1
     * request a day ({@code /v1/local/{gateway}/{provider}{suffix}}), the model of each case, and where the script
     * reports the first piece of its stream.
     */
    private static ObjectNode config(String gateway, String provider, String suffix, Cases cases) throws Exception {
        adminPut(gateway + "-limited", "{\"rate_limiting_limit\": 1, \"rate_limiting_interval\": 86400}");
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("base_url", runtime.rootUrl() + "/v1/local/" + gateway + "/" + provider + suffix);
        cfg.put("limited_url", runtime.rootUrl() + "/v1/local/" + gateway + "-limited/" + provider + suffix);
        cfg.put("first_piece_url", stub.baseUrl() + "/e2e/first-piece?model="
                + URLEncoder.encode(cases.stream().model(), StandardCharsets.UTF_8));
        ObjectNode models = cfg.putObject("models");
        models.put("plain", cases.plain().model());
        models.put("stream", cases.stream().model());
        models.put("cached", cases.cached().model());
        models.put("error", cases.error().model());
        return cfg;
    }

    private static void launch(String script, Map<String, String> env, ObjectNode config) {
        RUNS.put(script, CompletableFuture.supplyAsync(() -> {
            try {
                return runScript(script, env, config.toString());
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, scriptThreads));
    }

    /** A script's result; its failure (exit status, output) fails the test that asks. */
    private static JsonNode result(String script) throws Exception {
        try {
            return RUNS.get(script).get(150, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static Path pythonScripts() {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("sdk_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        assertTrue(Files.isRegularFile(dir.resolve("sdk_e2e.py")), "the SDK scripts are not in " + dir);
        return dir;
    }

    private static void requirePythonSdks() throws Exception {
        Result r;
        try {
            // finds the packages without importing them (the scripts import them, all at once, later)
            r = run(List.of("python3", "-c", """
                    import importlib.metadata as m, importlib.util as u, sys
                    def present(name):
                        try:
                            return u.find_spec(name) is not None
                        except ImportError:
                            return False
                    missing = [n for n in "%s".split(", ") if not present(n)]
                    if missing:
                        sys.exit("missing: " + ", ".join(missing))
                    print(", ".join(d + " " + m.version(d) for d in ("openai", "anthropic", "groq", "google-genai",
                                                                     "boto3")))
                    """.formatted(MODULES)), Map.of(), 60);
        } catch (IOException e) {
            fail("python3 is not on PATH (" + e.getMessage() + "). This test drives the official SDKs: install "
                    + "Python 3 and run `" + INSTALL_HINT + "`.");
            return;
        }
        if (r.exit() != 0) {
            fail("the official Python SDKs this test drives (" + MODULES + ") are not all installed: run `"
                    + INSTALL_HINT + "` (for the python3 on PATH).\n" + r.stderr());
        }
        System.out.println("OfficialSdkEndToEndTest: " + r.stdout().strip());
    }

    private static JsonNode runScript(String script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", scriptsDir.resolve(script).toString()));
        command.addAll(List.of(args));
        Result r = run(command, env, 120);
        String report = script + " exited with " + r.exit() + "\n--- stdout\n" + r.stdout() + "\n--- stderr\n"
                + r.stderr();
        assertEquals(0, r.exit(), report);
        String line = r.stdout().strip().lines().reduce((a, b) -> b).orElse("");
        System.out.println("OfficialSdkEndToEndTest: " + script + " -> " + line);
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("the last line of " + script + "'s output is not JSON\n" + report, e);
        }
    }

    record Result(int exit, String stdout, String stderr) {
    }

    /** Variables of the developer's shell that could steer an SDK elsewhere or hand it other credentials. */
    private static final List<String> SCRUBBED_ENV = List.of(
            "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_API_KEY",
            "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_AD_TOKEN", "OPENAI_API_VERSION",
            "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY",
            "GROQ_API_KEY", "GROQ_BASE_URL",
            "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT",
            "GOOGLE_CLOUD_LOCATION", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_GEMINI_BASE_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_REGION",
            "AWS_DEFAULT_REGION", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE",
            "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy");

    private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("sdk-e2e", ".out");
        Path err = Files.createTempFile("sdk-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> environment = builder.environment();
            SCRUBBED_ENV.forEach(environment::remove);
            String noProxy = "127.0.0.1,localhost,::1";
            environment.merge("NO_PROXY", noProxy, (a, b) -> a + "," + b);
            environment.merge("no_proxy", noProxy, (a, b) -> a + "," + b);
            // no shared AWS config or credentials files, no instance metadata lookups
            environment.put("AWS_CONFIG_FILE", "/dev/null");
            environment.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            environment.put("AWS_EC2_METADATA_DISABLED", "true");
            environment.put("PYTHONUNBUFFERED", "1");
            environment.put("PYTHONIOENCODING", "utf-8");
            environment.put("PYTHONDONTWRITEBYTECODE", "1");
            environment.putAll(env);
            Process process = builder.start();
            boolean ended;
            try {
                ended = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
            if (!ended) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(out), Files.readString(err)
                        + "\n(killed after " + timeoutSeconds + " s)");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
