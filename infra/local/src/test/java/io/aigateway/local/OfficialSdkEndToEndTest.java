package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.local.LocalRuntime.Options;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI and Anthropic Python SDKs, changed in nothing but their base URL, against the local runtime
 * (in this JVM, in memory) in front of a stub upstream on loopback that speaks both providers' wire formats,
 * streaming included.
 *
 * <p>Needs {@code python3} on PATH with {@code pip install openai anthropic}; without them the test fails (CI
 * installs them), it never skips. The scripts are in {@code src/test/python}.
 */
class OfficialSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String INSTALL_HINT = "pip install openai anthropic";

    private static final String OPENAI_KEY = "sk-e2e-openai-4f1c9a7d2b";
    private static final String ANTHROPIC_KEY = "sk-ant-e2e-anthropic-8b3e6c1f0a";

    /** Milliseconds the stub waits between two streamed events. */
    private static final long EVENT_GAP_MS = 80;

    /** What the stub answers for a model: the text (in these pieces when streamed) and the usage it reports. */
    record Reply(String model, List<String> pieces, int tokensIn, int tokensOut) {
        String text() {
            return String.join("", pieces);
        }
    }

    private static final Reply OPENAI_CREATE =
            new Reply("gpt-4o-mini", List.of("Hello from the OpenAI stub upstream."), 13, 7);
    private static final Reply OPENAI_STREAM =
            new Reply("gpt-4.1-mini", List.of("Streaming ", "through ", "the ", "gateway", ", chunk by chunk!"), 17, 5);
    private static final Reply OPENAI_METADATA =
            new Reply("gpt-4.1-nano", List.of("A reply tagged with metadata."), 9, 3);
    private static final Reply ANTHROPIC_CREATE =
            new Reply("claude-3-5-haiku-latest", List.of("Hello from the Anthropic stub upstream."), 21, 8);
    private static final Reply ANTHROPIC_STREAM =
            new Reply("claude-sonnet-4-5", List.of("Streamed ", "by ", "Claude ", "through ", "the gateway."), 25, 12);

    private static final Map<String, Reply> REPLIES = Map.of(
            OPENAI_CREATE.model(), OPENAI_CREATE,
            OPENAI_STREAM.model(), OPENAI_STREAM,
            OPENAI_METADATA.model(), OPENAI_METADATA,
            ANTHROPIC_CREATE.model(), ANTHROPIC_CREATE,
            ANTHROPIC_STREAM.model(), ANTHROPIC_STREAM);

    /** One request as the stub upstream saw it; header names lower-cased. */
    record Seen(String method, String path, Map<String, List<String>> headers, String body, JsonNode json) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        String model() {
            return json == null ? null : json.path("model").asText(null);
        }
    }

    private static final List<Seen> seen = new CopyOnWriteArrayList<>();
    private static HttpServer upstream;
    private static ExecutorService upstreamThreads;
    private static LocalRuntime runtime;
    private static Path scriptsDir;

    @BeforeAll
    static void start() throws Exception {
        scriptsDir = pythonScripts();
        requirePythonSdks();

        upstreamThreads = Executors.newCachedThreadPool();
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.setExecutor(upstreamThreads);
        upstream.createContext("/", OfficialSdkEndToEndTest::answer);
        upstream.start();
        String stub = "http://127.0.0.1:" + upstream.getAddress().getPort();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(Map.of(
                "GATEWAY_UPSTREAM_OPENAI", stub + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub)));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
        if (upstreamThreads != null) {
            upstreamThreads.shutdownNow();
        }
    }

    @Test
    void openAiSdkChatCompletionsPlainStreamedAndWithMetadata() throws Exception {
        String baseUrl = gatewayRoot() + "/openai";
        JsonNode got = runScript("openai_e2e.py", Map.of("OPENAI_API_KEY", OPENAI_KEY),
                baseUrl, OPENAI_CREATE.model(), OPENAI_STREAM.model(), OPENAI_METADATA.model());

        // what the SDK handed its caller is what the upstream sent
        JsonNode create = got.path("create");
        assertEquals(OPENAI_CREATE.text(), create.path("content").asText(), got::toString);
        assertEquals(OPENAI_CREATE.model(), create.path("model").asText(), got::toString);
        assertEquals("stop", create.path("finish_reason").asText(), got::toString);
        assertOpenAiUsage(OPENAI_CREATE, create.path("usage"));

        JsonNode stream = got.path("stream");
        assertEquals(OPENAI_STREAM.text(), stream.path("content").asText(), got::toString);
        assertEquals(OPENAI_STREAM.pieces().size(), stream.path("content_chunks").asInt(), got::toString);
        assertEquals("stop", stream.path("finish_reason").asText(), got::toString);
        assertOpenAiUsage(OPENAI_STREAM, stream.path("usage"));
        assertArrivedIncrementally(OPENAI_STREAM, stream);

        JsonNode tagged = got.path("metadata");
        assertEquals(OPENAI_METADATA.text(), tagged.path("content").asText(), got::toString);
        assertOpenAiUsage(OPENAI_METADATA, tagged.path("usage"));

        // what reached the upstream: the SDK's own auth header, untouched; no gateway header
        for (Reply reply : List.of(OPENAI_CREATE, OPENAI_STREAM, OPENAI_METADATA)) {
            Seen request = seenFor(reply.model());
            assertEquals("/v1/chat/completions", request.path(), request::toString);
            assertEquals("Bearer " + OPENAI_KEY, request.header("authorization"), request::toString);
            assertNoGatewayHeaders(request);
        }
        Seen streamed = seenFor(OPENAI_STREAM.model());
        assertTrue(streamed.json().path("stream").asBoolean(), streamed::toString);
        assertTrue(streamed.json().path("stream_options").path("include_usage").asBoolean(), streamed::toString);

        // one log per SDK call, with the usage the upstream reported (read from the stream for the streamed one)
        Map<String, JsonNode> logs = awaitLogs(OPENAI_CREATE.model(), OPENAI_STREAM.model(), OPENAI_METADATA.model());
        assertLog(logs.get(OPENAI_CREATE.model()), "openai", OPENAI_CREATE, false);
        assertLog(logs.get(OPENAI_STREAM.model()), "openai", OPENAI_STREAM, true);
        JsonNode metadataLog = logs.get(OPENAI_METADATA.model());
        assertLog(metadataLog, "openai", OPENAI_METADATA, false);
        assertEquals("e2e", metadataLog.path("metadata").path("team").asText(null),
                () -> "cf-aig-metadata sent through the SDK's default_headers is in the log: " + metadataLog);
        assertFalse(logs.get(OPENAI_CREATE.model()).path("metadata").has("team"),
                () -> "metadata belongs to the request that sent it: " + logs.get(OPENAI_CREATE.model()));
    }

    @Test
    void anthropicSdkMessagesPlainAndStreamed() throws Exception {
        String baseUrl = gatewayRoot() + "/anthropic";
        JsonNode got = runScript("anthropic_e2e.py", Map.of("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
                baseUrl, ANTHROPIC_CREATE.model(), ANTHROPIC_STREAM.model());

        JsonNode create = got.path("create");
        assertEquals(ANTHROPIC_CREATE.text(), create.path("content").asText(), got::toString);
        assertEquals(ANTHROPIC_CREATE.model(), create.path("model").asText(), got::toString);
        assertEquals("end_turn", create.path("stop_reason").asText(), got::toString);
        assertAnthropicUsage(ANTHROPIC_CREATE, create.path("usage"));

        JsonNode stream = got.path("stream");
        assertEquals(ANTHROPIC_STREAM.text(), stream.path("content").asText(), got::toString);
        assertEquals(ANTHROPIC_STREAM.text(), stream.path("final_content").asText(), got::toString);
        assertEquals(ANTHROPIC_STREAM.pieces().size(), stream.path("content_chunks").asInt(), got::toString);
        assertEquals("end_turn", stream.path("stop_reason").asText(), got::toString);
        assertAnthropicUsage(ANTHROPIC_STREAM, stream.path("usage"));
        assertArrivedIncrementally(ANTHROPIC_STREAM, stream);

        for (Reply reply : List.of(ANTHROPIC_CREATE, ANTHROPIC_STREAM)) {
            Seen request = seenFor(reply.model());
            assertEquals("/v1/messages", request.path(), request::toString);
            assertEquals(ANTHROPIC_KEY, request.header("x-api-key"), request::toString);
            assertNotNull(request.header("anthropic-version"), request::toString);
            assertNoGatewayHeaders(request);
        }
        Seen streamed = seenFor(ANTHROPIC_STREAM.model());
        assertTrue(streamed.json().path("stream").asBoolean(), streamed::toString);

        Map<String, JsonNode> logs = awaitLogs(ANTHROPIC_CREATE.model(), ANTHROPIC_STREAM.model());
        assertLog(logs.get(ANTHROPIC_CREATE.model()), "anthropic", ANTHROPIC_CREATE, false);
        assertLog(logs.get(ANTHROPIC_STREAM.model()), "anthropic", ANTHROPIC_STREAM, true);
    }

    // ---- assertions -------------------------------------------------------------------------------------------

    private static void assertOpenAiUsage(Reply reply, JsonNode usage) {
        assertEquals(reply.tokensIn(), usage.path("prompt_tokens").asInt(-1), usage::toString);
        assertEquals(reply.tokensOut(), usage.path("completion_tokens").asInt(-1), usage::toString);
        assertEquals(reply.tokensIn() + reply.tokensOut(), usage.path("total_tokens").asInt(-1), usage::toString);
    }

    private static void assertAnthropicUsage(Reply reply, JsonNode usage) {
        assertEquals(reply.tokensIn(), usage.path("input_tokens").asInt(-1), usage::toString);
        assertEquals(reply.tokensOut(), usage.path("output_tokens").asInt(-1), usage::toString);
    }

    /**
     * The stub writes the pieces {@link #EVENT_GAP_MS} apart; a gateway that held the stream back would deliver
     * them together. Half the stub's spread leaves room for any scheduling noise; a buffered stream shows ~0.
     */
    private static void assertArrivedIncrementally(Reply reply, JsonNode stream) {
        long spread = (reply.pieces().size() - 1) * EVENT_GAP_MS;
        long measured = stream.path("first_to_last_ms").asLong();
        assertTrue(measured >= spread / 2, () -> "the stub spread its pieces over " + spread
                + " ms but the SDK got them within " + measured + " ms: the stream was held back, not passed through "
                + "chunk by chunk: " + stream);
    }

    private static void assertNoGatewayHeaders(Seen request) {
        List<String> leaked = request.headers().keySet().stream().filter(h -> h.startsWith("cf-aig-")).toList();
        assertTrue(leaked.isEmpty(), () -> "cf-aig-* headers are never sent upstream, the stub got " + leaked
                + " in " + request);
    }

    private static void assertLog(JsonNode log, String provider, Reply reply, boolean stream) {
        assertNotNull(log, "no log for " + reply.model());
        assertEquals(provider, log.path("provider").asText(null), log::toString);
        assertEquals(reply.model(), log.path("model").asText(null), log::toString);
        assertEquals(200, log.path("status_code").asInt(), log::toString);
        assertTrue(log.path("success").asBoolean(), log::toString);
        assertEquals(stream, log.path("stream").asBoolean(), log::toString);
        assertTrue(log.path("tokens_in").isNumber(), () -> "tokens_in missing: " + log);
        assertTrue(log.path("tokens_out").isNumber(), () -> "tokens_out missing: " + log);
        assertEquals(reply.tokensIn(), log.path("tokens_in").asLong(), () -> "tokens_in: " + log);
        assertEquals(reply.tokensOut(), log.path("tokens_out").asLong(), () -> "tokens_out: " + log);
    }

    // ---- the admin API ----------------------------------------------------------------------------------------

    /**
     * Polls the admin API (the log is written after the response) for up to 5 s until each model has its log, and
     * checks there is exactly one per model and that no provider key is anywhere in what the admin API shows.
     */
    private static Map<String, JsonNode> awaitLogs(String... models) throws Exception {
        URI uri = URI.create(runtime.rootUrl() + "/api/v1/gateways/default/logs?limit=100");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String body = null;
        Map<String, List<JsonNode>> byModel = new LinkedHashMap<>();
        while (true) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri)
                            .header("Authorization", "Bearer " + runtime.adminToken())
                            .timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            body = response.body();
            assertEquals(200, response.statusCode(), body);
            JsonNode root = JSON.readTree(body);
            assertTrue(root.path("success").asBoolean(), body);
            byModel.clear();
            for (JsonNode log : root.path("result")) {
                byModel.computeIfAbsent(log.path("model").asText(""), k -> new ArrayList<>()).add(log);
            }
            boolean all = true;
            for (String model : models) {
                all &= byModel.containsKey(model);
            }
            if (all || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100);
        }
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (String model : models) {
            List<JsonNode> logs = byModel.get(model);
            assertNotNull(logs, "no log for model " + model + " within 5 s; the admin API answered: " + body);
            assertEquals(1, logs.size(), "exactly one log per request, for " + model + ": " + logs);
            found.put(model, logs.getFirst());
        }
        assertFalse(body.contains(OPENAI_KEY) || body.contains(ANTHROPIC_KEY),
                "provider keys are never stored, but the logs show one: " + body);
        return found;
    }

    // ---- Python ----------------------------------------------------------------------------------------------

    private static String gatewayRoot() {
        return runtime.rootUrl() + "/v1/local/default";
    }

    private static Path pythonScripts() {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("openai_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        assertTrue(Files.isRegularFile(dir.resolve("openai_e2e.py")), "the SDK scripts are not in " + dir);
        return dir;
    }

    private static void requirePythonSdks() throws Exception {
        Result r;
        try {
            r = run(List.of("python3", "-c",
                    "import openai, anthropic; print(openai.__version__, anthropic.__version__)"), Map.of(), 60);
        } catch (IOException e) {
            fail("python3 is not on PATH (" + e.getMessage() + "). This test drives the official SDKs: install "
                    + "Python 3 and run `" + INSTALL_HINT + "`.");
            return;
        }
        if (r.exit() != 0) {
            fail("the official OpenAI and Anthropic Python SDKs are missing: run `" + INSTALL_HINT
                    + "` (for the python3 on PATH).\n" + r.stderr());
        }
        System.out.println("OfficialSdkEndToEndTest: openai, anthropic " + r.stdout().strip());
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

    private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("sdk-e2e", ".out");
        Path err = Files.createTempFile("sdk-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> environment = builder.environment();
            // nothing from the developer's shell may steer the SDKs elsewhere or add credentials
            for (String name : List.of("OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                    "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY")) {
                environment.remove(name);
            }
            String noProxy = "127.0.0.1,localhost,::1";
            environment.merge("NO_PROXY", noProxy, (a, b) -> a + "," + b);
            environment.merge("no_proxy", noProxy, (a, b) -> a + "," + b);
            environment.put("PYTHONUNBUFFERED", "1");
            environment.put("PYTHONIOENCODING", "utf-8");
            environment.putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
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

    // ---- the stub upstream ------------------------------------------------------------------------------------

    private static Seen seenFor(String model) {
        List<Seen> matching = seen.stream().filter(s -> model.equals(s.model())).toList();
        assertEquals(1, matching.size(), () -> "the upstream should see exactly one request for " + model
                + ", saw " + matching);
        return matching.getFirst();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                json = null;
            }
            String path = exchange.getRequestURI().getPath();
            seen.add(new Seen(exchange.getRequestMethod(), path, Map.copyOf(headers), body, json));

            Reply reply = json == null ? null : REPLIES.get(json.path("model").asText(""));
            boolean post = exchange.getRequestMethod().equals("POST");
            boolean stream = json != null && json.path("stream").asBoolean(false);
            if (post && reply != null && path.equals("/v1/chat/completions")) {
                boolean includeUsage = json.path("stream_options").path("include_usage").asBoolean(false);
                exchange.getResponseHeaders().set("x-request-id", "req_e2e_" + reply.model());
                if (stream) {
                    openAiStream(exchange, reply, includeUsage);
                } else {
                    sendJson(exchange, 200, openAiCompletion(reply));
                }
            } else if (post && reply != null && path.equals("/v1/messages")) {
                exchange.getResponseHeaders().set("request-id", "req_e2e_" + reply.model());
                if (stream) {
                    anthropicStream(exchange, reply);
                } else {
                    sendJson(exchange, 200, anthropicMessage(reply));
                }
            } else {
                ObjectNode error = JSON.createObjectNode();
                error.putObject("error").put("message", "the stub has no answer for " + exchange.getRequestMethod()
                        + " " + path + " " + body).put("type", "invalid_request_error");
                sendJson(exchange, 404, error);
            }
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static ObjectNode openAiCompletion(Reply reply) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-e2e-" + reply.model());
        o.put("object", "chat.completion");
        o.put("created", 1767225600);
        o.put("model", reply.model());
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.text());
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", reply.tokensIn());
        usage.put("completion_tokens", reply.tokensOut());
        usage.put("total_tokens", reply.tokensIn() + reply.tokensOut());
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        o.put("service_tier", "default");
        o.put("system_fingerprint", "fp_e2e");
        return o;
    }

    private static ObjectNode openAiChunk(Reply reply, boolean includeUsage) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-e2e-" + reply.model());
        o.put("object", "chat.completion.chunk");
        o.put("created", 1767225600);
        o.put("model", reply.model());
        o.put("service_tier", "default");
        o.put("system_fingerprint", "fp_e2e");
        o.putArray("choices");
        if (includeUsage) {
            o.putNull("usage"); // as OpenAI does: null on every chunk but the last
        }
        return o;
    }

    private static ObjectNode delta(ObjectNode chunk) {
        ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return delta;
    }

    /** OpenAI's SSE: role chunk, content chunks, finish chunk, usage chunk (when asked for), [DONE]. */
    private static void openAiStream(HttpExchange exchange, Reply reply, boolean includeUsage) throws IOException {
        List<String> events = new ArrayList<>();
        ObjectNode first = openAiChunk(reply, includeUsage);
        delta(first).put("role", "assistant").put("content", "").putNull("refusal");
        events.add("data: " + first + "\n\n");
        for (String piece : reply.pieces()) {
            ObjectNode chunk = openAiChunk(reply, includeUsage);
            delta(chunk).put("content", piece);
            events.add("data: " + chunk + "\n\n");
        }
        ObjectNode finish = openAiChunk(reply, includeUsage);
        delta(finish);
        ((ObjectNode) finish.get("choices").get(0)).put("finish_reason", "stop");
        events.add("data: " + finish + "\n\n");
        if (includeUsage) {
            ObjectNode last = openAiChunk(reply, true);
            ObjectNode usage = last.putObject("usage");
            usage.put("prompt_tokens", reply.tokensIn());
            usage.put("completion_tokens", reply.tokensOut());
            usage.put("total_tokens", reply.tokensIn() + reply.tokensOut());
            usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
            usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                    .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
            events.add("data: " + last + "\n\n");
        }
        events.add("data: [DONE]\n\n");
        sendEvents(exchange, events);
    }

    private static ObjectNode anthropicUsage(int in, int out) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("input_tokens", in);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.put("output_tokens", out);
        usage.put("service_tier", "standard");
        return usage;
    }

    private static ObjectNode anthropicMessage(Reply reply) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "msg_e2e_" + reply.model());
        o.put("type", "message");
        o.put("role", "assistant");
        o.put("model", reply.model());
        o.putArray("content").addObject().put("type", "text").put("text", reply.text());
        o.put("stop_reason", "end_turn");
        o.putNull("stop_sequence");
        o.set("usage", anthropicUsage(reply.tokensIn(), reply.tokensOut()));
        return o;
    }

    /**
     * Anthropic's SSE, event by event: message_start (input tokens, output_tokens 1), content_block_start, a ping,
     * content_block_delta per piece, content_block_stop, message_delta (the final output_tokens), message_stop.
     */
    private static void anthropicStream(HttpExchange exchange, Reply reply) throws IOException {
        List<String> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = anthropicMessage(reply);
        message.putArray("content");
        message.putNull("stop_reason");
        message.set("usage", anthropicUsage(reply.tokensIn(), 1));
        start.set("message", message);
        events.add(event("message_start", start));
        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        events.add(event("content_block_start", blockStart));
        events.add(event("ping", JSON.createObjectNode().put("type", "ping")));
        for (String piece : reply.pieces()) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            events.add(event("content_block_delta", delta));
        }
        events.add(event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", reply.tokensOut());
        events.add(event("message_delta", messageDelta));
        events.add(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
        sendEvents(exchange, events);
    }

    private static String event(String name, JsonNode data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** Chunked response, one flush per event, {@link #EVENT_GAP_MS} apart. */
    private static void sendEvents(HttpExchange exchange, List<String> events) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                try {
                    Thread.sleep(EVENT_GAP_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while streaming", e);
                }
            }
            out.write(events.get(i).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
