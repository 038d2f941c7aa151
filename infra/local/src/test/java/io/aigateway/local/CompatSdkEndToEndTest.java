package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.local.LocalRuntime.Options;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Python SDK, changed in nothing but its base URL ({@code .../compat}), against the local runtime's
 * OpenAI-compatible endpoint in front of loopback stubs that speak Anthropic's Messages API, Gemini's generateContent
 * (plain and SSE) and Groq's OpenAI-compatible API: plain, streamed, tools, usage, a provider error and a refused
 * parameter raised as the SDK's typed errors, and an agent loop whose tool call goes to Claude and whose tool result
 * goes to Gemini through one dynamic route. Needs python3 with {@code openai}; fails (never skips) without it.
 */
class CompatSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ANTHROPIC_KEY = "sk-ant-compat-e2e-7d1f3a9c";
    private static final String GEMINI_KEY = "AIzaCompatE2e-5b8e2c4d6f";
    private static final String GROQ_KEY = "gsk_compat_e2e_3c7a9e1b";
    private static final String GATEWAY = "compat-e2e";

    private static HttpServer stub;
    private static LocalRuntime runtime;
    /** What each stub path received, in order: the body and the headers that matter. */
    private static final Map<String, List<ObjectNode>> SEEN = new ConcurrentHashMap<>();
    private static JsonNode result;

    @BeforeAll
    static void start() throws Exception {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        stub.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        stub.createContext("/v1/messages", CompatSdkEndToEndTest::anthropic);
        stub.createContext("/v1beta/models/", CompatSdkEndToEndTest::gemini);
        stub.createContext("/groq/chat/completions", CompatSdkEndToEndTest::groq);
        stub.start();
        String base = "http://127.0.0.1:" + stub.getAddress().getPort();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(Map.of(
                "GATEWAY_UPSTREAM_ANTHROPIC", base,
                "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/groq")));
        HttpResponse<String> route = admin("PUT", "/api/v1/gateways/" + GATEWAY + "/routes/agent", """
                {"elements":[
                  {"id":"start","type":"start","outputs":{"next":{"elementId":"first-turn"}}},
                  {"id":"first-turn","type":"conditional","properties":{"conditions":{"metadata.turn":{"$eq":0}}},
                   "outputs":{"true":{"elementId":"claude"},"false":{"elementId":"gemini"}}},
                  {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
                   "outputs":{"success":{"elementId":"end"}}},
                  {"id":"end","type":"end"}]}""");
        assertEquals(200, route.statusCode(), route::body);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("base_url", runtime.rootUrl() + "/v1/local/" + GATEWAY + "/compat");
        cfg.put("anthropic_key", ANTHROPIC_KEY);
        cfg.put("gemini_key", GEMINI_KEY);
        cfg.put("groq_key", GROQ_KEY);
        result = runScript(cfg);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (stub != null) {
            stub.stop(0);
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

        ObjectNode seen = SEEN.get("anthropic").getFirst();
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
        ObjectNode seen = SEEN.get("gemini-stream").getFirst();
        assertEquals(GEMINI_KEY, seen.path("x-goog-api-key").asText(), seen::toString);
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
        ObjectNode seen = SEEN.get("groq").getFirst();
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
        ObjectNode second = SEEN.get("gemini").getLast();
        JsonNode contents = second.at("/body/contents");
        assertEquals("get_weather", contents.at("/1/parts/1/functionCall/name").asText(), second::toString);
        assertEquals("Paris", contents.at("/1/parts/1/functionCall/args/city").asText());
        assertEquals(18, contents.at("/2/parts/0/functionResponse/response/temperature_c").asInt(), second::toString);
        assertEquals(GEMINI_KEY, second.path("x-goog-api-key").asText());
        assertTrue(second.path("authorization").isNull(), "Claude's key never reaches Google: " + second);
        ObjectNode first = SEEN.get("anthropic").stream().filter(s -> s.at("/body/tools").size() > 0
                && s.at("/body/messages").size() == 1 && s.at("/body/messages/0/content").toString().contains("Use the tool"))
                .findFirst().orElseThrow();
        assertTrue(first.path("x-goog-api-key").isNull(), "Google's key never reaches Anthropic: " + first);

        JsonNode logs = JSON.readTree(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs?limit=50", null).body());
        boolean routed = false;
        for (JsonNode log : logs.path("result")) {
            if ("agent".equals(log.path("route").asText()) && "google-ai-studio".equals(log.path("provider").asText())) {
                assertEquals(List.of("start", "first-turn", "gemini", "end"), strings(log.path("route_path")));
                routed = true;
            }
        }
        assertTrue(routed, logs::toString);
        for (String secret : List.of(ANTHROPIC_KEY, GEMINI_KEY, GROQ_KEY)) {
            assertFalse(logs.toString().contains(secret), "a provider key in the logs");
        }
    }

    // ---- the stubs ----------------------------------------------------------------------------------------------

    private static ObjectNode seen(String name, HttpExchange exchange, JsonNode body) {
        ObjectNode s = JSON.createObjectNode();
        s.set("body", body);
        for (String h : List.of("authorization", "x-api-key", "x-goog-api-key", "anthropic-version")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v == null) {
                s.putNull(h);
            } else {
                s.put(h, v);
            }
        }
        s.put("query", exchange.getRequestURI().getRawQuery());
        SEEN.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(s);
        return s;
    }

    private static void anthropic(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        seen("anthropic", exchange, body);
        if ("claude-rate-limited".equals(body.path("model").asText())) {
            send(exchange, 429, "application/json", """
                    {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization"}}""");
            return;
        }
        boolean toolResult = body.path("messages").toString().contains("\"tool_result\"");
        ObjectNode m = JSON.createObjectNode();
        m.put("id", "msg_e2e").put("type", "message").put("role", "assistant").put("model", "claude-sonnet-4-5-20250929");
        ArrayNode content = m.putArray("content");
        if (body.path("tools").size() > 0 && !toolResult) {
            content.addObject().put("type", "text").put("text", "Let me check.");
            ObjectNode use = content.addObject().put("type", "tool_use").put("id", "toolu_e2e_01").put("name", "get_weather");
            use.putObject("input").put("city", "Paris");
            m.put("stop_reason", "tool_use");
        } else {
            content.addObject().put("type", "text").put("text", "Hello from Claude through /compat.");
            m.put("stop_reason", "end_turn");
        }
        m.putNull("stop_sequence");
        m.putObject("usage").put("input_tokens", 21).put("output_tokens", 9).put("cache_read_input_tokens", 4)
                .put("cache_creation_input_tokens", 0);
        send(exchange, 200, "application/json", m.toString());
    }

    private static void gemini(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        boolean stream = exchange.getRequestURI().getPath().endsWith(":streamGenerateContent");
        seen(stream ? "gemini-stream" : "gemini", exchange, body);
        if (!stream) {
            String contents = body.path("contents").toString();
            String text = contents.contains("functionResponse") && contents.contains("temperature_c")
                    ? "In Paris it is 18 C and clear." : "I saw no tool result.";
            send(exchange, 200, "application/json", geminiChunk(text, true).toString());
            return;
        }
        exchange.getResponseHeaders().add("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        List<String> pieces = List.of("Gemini ", "streams ", "through compat.");
        for (int i = 0; i < pieces.size(); i++) {
            out.write(("data: " + geminiChunk(pieces.get(i), i == pieces.size() - 1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exchange.close();
    }

    private static ObjectNode geminiChunk(String text, boolean last) {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode candidate = r.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content").put("role", "model");
        content.putArray("parts").addObject().put("text", text);
        candidate.put("index", 0);
        if (last) {
            candidate.put("finishReason", "STOP");
        }
        r.putObject("usageMetadata").put("promptTokenCount", 5).put("candidatesTokenCount", last ? 11 : 3)
                .put("totalTokenCount", last ? 16 : 8);
        r.put("modelVersion", "gemini-2.5-flash").put("responseId", "resp-e2e");
        return r;
    }

    private static void groq(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        seen("groq", exchange, body);
        send(exchange, 200, "application/json", """
                {"id":"chatcmpl-groq","object":"chat.completion","created":1750000000,"model":"llama-3.1-8b-instant",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from Groq."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":15,"completion_tokens":4,"total_tokens":19}}""");
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

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
