package io.aigateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * Loopback stubs of the providers the official SDKs reach through {@code /compat}, each answering in its provider's
 * own shapes: Anthropic's Messages API ({@code claude-rate-limited} answers Anthropic's 429), Gemini's
 * generateContent (plain, and streamGenerateContent as SSE, one piece every 30 ms; {@code gemini-bad-request} answers
 * Google's 400, {@code gemini-2.5-pro} reports thought and cached tokens), Bedrock Converse and ConverseStream (an
 * AWS event stream of text or tool-use deltas; {@code amazon.nova-broken-v1:0} answers Bedrock's 500, {@code
 * amazon.nova-throttled-v1:0} streams a piece then a throttlingException; a body that is not Converse's answers its
 * 400, a SigV4 signature that does not verify with {@link #AWS_SECRET} its 403), Cohere's v2 chat (JSON and its
 * named-event SSE stream), Workers AI's run API (JSON and its {@code data: {"response"}} stream) and Groq's OpenAI-compatible API. Asked for a JSON
 * schema in the provider's own way (Anthropic {@code output_config}, Gemini {@code responseSchema}, Bedrock
 * {@code outputConfig}), the first three answer {@link #WEATHER_JSON}. Each records what it received.
 */
final class CompatStubs implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Claude first, Gemini after the first turn (metadata.turn): the agent loop's route. */
    static final String AGENT_ROUTE = """
            {"elements":[
              {"id":"start","type":"start","outputs":{"next":{"elementId":"first-turn"}}},
              {"id":"first-turn","type":"conditional","properties":{"conditions":{"metadata.turn":{"$eq":0}}},
               "outputs":{"true":{"elementId":"claude"},"false":{"elementId":"gemini"}}},
              {"id":"claude","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5"},
               "outputs":{"success":{"elementId":"end"}}},
              {"id":"gemini","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash"},
               "outputs":{"success":{"elementId":"end"}}},
              {"id":"end","type":"end"}]}""";

    /** What a provider asked for JSON by schema answers, as text. */
    static final String WEATHER_JSON = "{\"city\":\"Paris\",\"temperature_c\":18}";
    /**
     * Workers AI's path: its base URL is a template holding the account id, so an override replaces only scheme,
     * host and port, and the gateway path's account label ({@code /v1/local/...}) fills the account.
     */
    private static final String WORKERS_AI_BASE = "/client/v4/accounts/local/ai/run";
    /**
     * The AWS credentials a gateway holds to sign Bedrock requests with (stored as its aws-bedrock key); the Bedrock
     * stub verifies a SigV4 signature with them and answers 403 when it does not verify.
     */
    static final String AWS_KEY_ID = "AKIACOMPATE2ESIGNS01";
    static final String AWS_SECRET = "compatE2eGatewaySecret/0123456789+abcdefgh";
    static final String AWS_REGION = "us-east-1";

    private final HttpServer server;
    /**
     * What each stub received, in order, by name (anthropic, anthropic-stream, gemini, gemini-stream, groq, bedrock,
     * bedrock-stream, cohere, cohere-stream, workers-ai, workers-ai-stream): the body, path and key headers.
     */
    final Map<String, List<ObjectNode>> seen = new ConcurrentHashMap<>();

    CompatStubs() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/messages", this::anthropic);
        server.createContext("/v1beta/models/", this::gemini);
        server.createContext("/groq/chat/completions", this::groq);
        server.createContext("/model/", this::bedrock);
        server.createContext("/v2/chat", this::cohere);
        server.createContext(WORKERS_AI_BASE + "/", this::workersAi);
        server.start();
    }

    /** The local runtime's environment that sends each provider here. */
    Map<String, String> env() {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("GATEWAY_UPSTREAM_ANTHROPIC", base, "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/groq", "GATEWAY_UPSTREAM_AWS_BEDROCK", base,
                "GATEWAY_UPSTREAM_COHERE", base, "GATEWAY_UPSTREAM_WORKERS_AI", base);
    }

    List<ObjectNode> seen(String name) {
        return seen.getOrDefault(name, List.of());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private ObjectNode seen(String name, HttpExchange exchange, JsonNode body) {
        ObjectNode s = JSON.createObjectNode();
        s.set("body", body);
        s.put("path", exchange.getRequestURI().getRawPath());
        for (String h : List.of("authorization", "x-api-key", "x-goog-api-key", "anthropic-version", "x-amz-date",
                "x-amz-content-sha256")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v == null) {
                s.putNull(h);
            } else {
                s.put(h, v);
            }
        }
        s.put("query", exchange.getRequestURI().getRawQuery());
        seen.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(s);
        return s;
    }

    private void anthropic(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        if (body.path("stream").asBoolean(false)) {
            seen("anthropic-stream", exchange, body);
            anthropicStream(exchange);
            return;
        }
        seen("anthropic", exchange, body);
        if ("claude-rate-limited".equals(body.path("model").asText())) {
            send(exchange, 429, "application/json", """
                    {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization"}}""");
            return;
        }
        if (body.has("output_config")) {
            send(exchange, 200, "application/json", anthropicText(WEATHER_JSON).toString());
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

    private static ObjectNode anthropicText(String text) {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", "msg_e2e_json").put("type", "message").put("role", "assistant").put("model", "claude-sonnet-4-5-20250929");
        m.putArray("content").addObject().put("type", "text").put("text", text);
        m.put("stop_reason", "end_turn").putNull("stop_sequence");
        m.putObject("usage").put("input_tokens", 30).put("output_tokens", 12).put("cache_read_input_tokens", 0)
                .put("cache_creation_input_tokens", 0);
        return m;
    }

    /** The pieces a streamed Claude answer arrives in, each its own content_block_delta event. */
    static final List<String> CLAUDE_PIECES = List.of("Claude ", "streams ", "through compat.");

    /** Anthropic's Messages stream: named SSE events, usage split between message_start and message_delta. */
    private static void anthropicStream(HttpExchange exchange) throws IOException {
        List<String> events = new java.util.ArrayList<>();
        events.add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_e2e_stream\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],"
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":17,\"output_tokens\":1,"
                + "\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0}}}");
        events.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        events.add("event: ping\ndata: {\"type\":\"ping\"}");
        for (String piece : CLAUDE_PIECES) {
            events.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}}");
        }
        events.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}");
        events.add("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}");
        events.add("event: message_stop\ndata: {\"type\":\"message_stop\"}");
        sse(exchange, events);
    }

    private void gemini(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        boolean stream = exchange.getRequestURI().getPath().endsWith(":streamGenerateContent");
        seen(stream ? "gemini-stream" : "gemini", exchange, body);
        String path = exchange.getRequestURI().getPath();
        String model = path.substring("/v1beta/models/".length(), path.lastIndexOf(':'));
        if ("gemini-bad-request".equals(model)) {
            send(exchange, 400, "application/json", """
                    {"error":{"code":400,"message":"* GenerateContentRequest.generation_config.max_output_tokens: must be positive","status":"INVALID_ARGUMENT"}}""");
            return;
        }
        if (!stream && body.at("/generationConfig/responseSchema").isObject()) {
            send(exchange, 200, "application/json", geminiChunk(WEATHER_JSON, true).toString());
            return;
        }
        if (!stream && "gemini-2.5-pro".equals(model)) {
            ObjectNode r = geminiChunk("Thought about it: 18 C.", true);
            r.putObject("usageMetadata").put("promptTokenCount", 40).put("cachedContentTokenCount", 32)
                    .put("candidatesTokenCount", 6).put("thoughtsTokenCount", 120).put("totalTokenCount", 166);
            send(exchange, 200, "application/json", r.toString());
            return;
        }
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

    /**
     * Bedrock Converse ({@code /model/{percent-encoded id}/converse}): its answer with cache read tokens, structured
     * output as text, and Bedrock's 500 (the error type in {@code x-amzn-ErrorType}, the message in the body); and
     * ConverseStream ({@code .../converse-stream}). Either refuses, as Bedrock does, what {@link #bedrockRefusal}
     * finds wrong.
     */
    private void bedrock(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        JsonNode body = JSON.readTree(raw);
        boolean stream = exchange.getRequestURI().getRawPath().endsWith("/converse-stream");
        ObjectNode s = seen(stream ? "bedrock-stream" : "bedrock", exchange, body);
        String refused = bedrockRefusal(exchange, raw, body);
        if (refused != null) {
            s.put("refused", refused);
            boolean signature = refused.startsWith("signature");
            exchange.getResponseHeaders().add("x-amzn-ErrorType", signature
                    ? "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/"
                    : "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
            send(exchange, signature ? 403 : 400, "application/json", JSON.createObjectNode()
                    .put("message", refused).toString());
            return;
        }
        if (stream && exchange.getRequestURI().getRawPath().contains("amazon.nova-throttled")) {
            throttledMidStream(exchange);
            return;
        }
        if (stream) {
            converseStream(exchange, body);
            return;
        }
        if (exchange.getRequestURI().getRawPath().contains("amazon.nova-broken")) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType",
                    "InternalServerException:http://internal.amazon.com/coral/com.amazon.bedrock/");
            send(exchange, 500, "application/json", """
                    {"message":"The system encountered an unexpected error during processing. Try your request again."}""");
            return;
        }
        String text = body.has("outputConfig") ? WEATHER_JSON : "Hello from Bedrock.";
        ObjectNode r = JSON.createObjectNode();
        r.putObject("output").putObject("message").put("role", "assistant").putArray("content").addObject()
                .put("text", text);
        r.put("stopReason", "end_turn");
        r.putObject("usage").put("inputTokens", 30).put("outputTokens", 8).put("totalTokens", 50)
                .put("cacheReadInputTokens", 12).put("cacheWriteInputTokens", 0);
        r.putObject("metrics").put("latencyMs", 412);
        send(exchange, 200, "application/json", r.toString());
    }

    /** Converse's request members; Bedrock answers 400 (ValidationException) to any other, as it does. */
    private static final java.util.Set<String> CONVERSE_MEMBERS = java.util.Set.of("messages", "system",
            "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields", "promptVariables",
            "additionalModelResponseFieldPaths", "requestMetadata", "performanceConfig", "outputConfig",
            "serviceTier");

    /**
     * Why Bedrock would refuse this request, or null: a body that is not Converse's (an OpenAI member such as
     * {@code model}, {@code stream} or {@code stream_options} left in, no messages), no credentials, or a SigV4
     * signature that does not verify with {@link #AWS_SECRET} for the host it arrived at.
     */
    private static String bedrockRefusal(HttpExchange exchange, byte[] raw, JsonNode body) {
        for (java.util.Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!CONVERSE_MEMBERS.contains(name)) {
                return "1 validation error detected: extraneous key [" + name + "] is not permitted";
            }
        }
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            return "A conversation must start with a user message.";
        }
        String authorization = exchange.getRequestHeaders().getFirst("authorization");
        if (authorization == null) {
            return "signature: missing Authentication Token";
        }
        if (!authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            return authorization.startsWith("Bearer ") ? null : "signature: unsupported authorization " + authorization;
        }
        Map<String, List<String>> headers = new java.util.HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        ProviderStub.Seen s = new ProviderStub.Seen("POST", exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(), headers, raw, body, null);
        String mismatch = ProviderStub.sigV4Mismatch(s, AWS_SECRET, AWS_REGION, "bedrock", s.header("host"));
        return mismatch == null ? null : "signature: The request signature we calculated does not match the"
                + " signature you provided (" + mismatch + ")";
    }

    /** The pieces a streamed Bedrock answer arrives in, each its own contentBlockDelta event. */
    static final List<String> BEDROCK_PIECES = List.of("Bedrock ", "streams ", "through compat.");

    /**
     * ConverseStream as Bedrock sends it ({@code application/vnd.amazon.eventstream}, one frame per event, each
     * payload padded with a {@code p} field): messageStart, then either text deltas ({@link #BEDROCK_PIECES}) or,
     * offered tools, a sentence, a contentBlockStart naming the tool and its input JSON in two contentBlockDelta
     * pieces; contentBlockStop after each block, messageStop with the stop reason, and metadata with usage
     * (cache reads apart from inputTokens) and metrics last.
     */
    private static void converseStream(HttpExchange exchange, JsonNode body) throws IOException {
        boolean tools = body.has("toolConfig");
        List<byte[]> frames = new java.util.ArrayList<>();
        frames.add(awsEvent("messageStart", "{\"p\":\"abcdefghijklmnopqrstuvwxyzABCD\",\"role\":\"assistant\"}"));
        List<String> pieces = tools ? List.of("Let me check.") : BEDROCK_PIECES;
        for (String piece : pieces) {
            frames.add(awsEvent("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + piece
                    + "\"},\"p\":\"abcdefghijk\"}"));
        }
        frames.add(awsEvent("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdefghij\"}"));
        if (tools) {
            frames.add(awsEvent("contentBlockStart", "{\"contentBlockIndex\":1,\"p\":\"abcdefg\",\"start\":"
                    + "{\"toolUse\":{\"name\":\"get_weather\",\"toolUseId\":\"tooluse_e2eStream01\"}}}"));
            for (String part : List.of("{\\\"city\\\":", " \\\"Paris\\\"}")) {
                frames.add(awsEvent("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":"
                        + "{\"input\":\"" + part + "\"}},\"p\":\"abcdef\"}"));
            }
            frames.add(awsEvent("contentBlockStop", "{\"contentBlockIndex\":1,\"p\":\"abcdefghijklm\"}"));
        }
        frames.add(awsEvent("messageStop", "{\"p\":\"abcdefghijklmnopqr\",\"stopReason\":\""
                + (tools ? "tool_use" : "end_turn") + "\"}"));
        frames.add(awsEvent("metadata", "{\"metrics\":{\"latencyMs\":1034},\"p\":\"abcdefghijklmnopqrstuvwx\","
                + "\"usage\":{\"cacheReadInputTokens\":16,\"cacheWriteInputTokens\":0,\"inputTokens\":22,"
                + "\"outputTokens\":" + (tools ? 41 : 9) + ",\"totalTokens\":" + (tools ? 79 : 47) + "}}"));
        exchange.getResponseHeaders().add("content-type", "application/vnd.amazon.eventstream");
        exchange.getResponseHeaders().add("x-amzn-RequestId", "5f0c7e0a-3b1d-4d55-9a31-2c4f1b7a9e11");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (byte[] frame : frames) {
            out.write(frame);
            out.flush();
            pause(20);
        }
        exchange.close();
    }

    /** What ConverseStream's throttlingException says when it cuts a stream short. */
    static final String THROTTLED = "Too many tokens, please wait before trying again.";

    /**
     * A ConverseStream that Bedrock cuts short after one piece with a throttlingException: an exception frame
     * ({@code :message-type exception}, the name in {@code :exception-type}), after the 200 has gone out.
     */
    private static void throttledMidStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("content-type", "application/vnd.amazon.eventstream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write(awsEvent("messageStart", "{\"p\":\"abcdefgh\",\"role\":\"assistant\"}"));
        out.write(awsEvent("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Bedrock \"},"
                + "\"p\":\"abcdefghijk\"}"));
        out.flush();
        pause(20);
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put(":exception-type", "throttlingException");
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        out.write(ProviderStub.eventStreamFrame(headers, ("{\"message\":\"" + THROTTLED + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        out.flush();
        exchange.close();
    }

    private static byte[] awsEvent(String type, String payload) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put(":event-type", type);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return ProviderStub.eventStreamFrame(headers, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The pieces a streamed Cohere answer arrives in, each its own content-delta event. */
    static final List<String> COHERE_PIECES = List.of("Command ", "streams ", "through compat.");

    /** Cohere's v2 chat: JSON, or (stream: true) SSE events named in both {@code event:} and the data's type. */
    private void cohere(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        boolean stream = body.path("stream").asBoolean(false);
        seen(stream ? "cohere-stream" : "cohere", exchange, body);
        String usage = "{\"billed_units\":{\"input_tokens\":9,\"output_tokens\":5},\"tokens\":{\"input_tokens\":73,"
                + "\"output_tokens\":5},\"cached_tokens\":64}";
        if (!stream) {
            send(exchange, 200, "application/json", """
                    {"id":"c14c80c3-18eb-4519-9460-6c92edd8cfb4","finish_reason":"COMPLETE","message":{"role":"assistant",
                     "content":[{"type":"text","text":"Hello from Command A."}]},"usage":%s}""".formatted(usage));
            return;
        }
        List<String> events = new java.util.ArrayList<>();
        events.add(cohereEvent("message-start", "{\"id\":\"29f14a5a-11de-4cae-9800-25e4747408ea\",\"type\":\"message-start\","
                + "\"delta\":{\"message\":{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],"
                + "\"citations\":[]}}}"));
        events.add(cohereEvent("content-start", "{\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":"
                + "{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}"));
        for (String piece : COHERE_PIECES) {
            events.add(cohereEvent("content-delta", "{\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":"
                    + "{\"content\":{\"text\":\"" + piece + "\"}}}}"));
        }
        events.add(cohereEvent("content-end", "{\"type\":\"content-end\",\"index\":0}"));
        events.add(cohereEvent("message-end", "{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"COMPLETE\","
                + "\"usage\":" + usage + "}}"));
        sse(exchange, events);
    }

    private static String cohereEvent(String name, String data) {
        return "event: " + name + "\ndata: " + data;
    }

    static final List<String> WORKERS_AI_PIECES = List.of("Workers AI ", "streams ", "through compat.");

    /** Workers AI's run API: {@code {result: {response, usage}}}, or SSE {@code data: {"response": ...}} then [DONE]. */
    private void workersAi(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        boolean stream = body.path("stream").asBoolean(false);
        seen(stream ? "workers-ai-stream" : "workers-ai", exchange, body);
        if (!stream) {
            send(exchange, 200, "application/json", """
                    {"result":{"response":"Hello from Workers AI.","tool_calls":[],"usage":{"prompt_tokens":25,
                     "completion_tokens":6,"total_tokens":31}},"success":true,"errors":[],"messages":[]}""");
            return;
        }
        List<String> events = new java.util.ArrayList<>();
        String p = "abcdefgh";
        for (String piece : WORKERS_AI_PIECES) {
            events.add("data: {\"response\":\"" + piece + "\",\"p\":\"" + p + "\"}");
            p += "ijk";
        }
        events.add("data: {\"response\":\"\",\"usage\":{\"prompt_tokens\":18,\"completion_tokens\":7,\"total_tokens\":25}}");
        events.add("data: [DONE]");
        sse(exchange, events);
    }

    /** Sends SSE events one by one, 20 ms apart. */
    private static void sse(HttpExchange exchange, List<String> events) throws IOException {
        exchange.getResponseHeaders().add("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (String event : events) {
            out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        exchange.close();
    }

    private void groq(HttpExchange exchange) throws IOException {
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

}
