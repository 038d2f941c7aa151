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
 * Loopback stubs of the providers the official SDKs reach through {@code /compat}: Anthropic's Messages API
 * ({@code claude-rate-limited} answers Anthropic's 429), Gemini's generateContent (plain, and streamGenerateContent
 * as SSE, one piece every 30 ms) and Groq's OpenAI-compatible API. Each records what it received.
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

    private final HttpServer server;
    /** What each stub received, in order, by name (anthropic, anthropic-stream, gemini, gemini-stream, groq): the body and key headers. */
    final Map<String, List<ObjectNode>> seen = new ConcurrentHashMap<>();

    CompatStubs() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/messages", this::anthropic);
        server.createContext("/v1beta/models/", this::gemini);
        server.createContext("/groq/chat/completions", this::groq);
        server.start();
    }

    /** The local runtime's environment that sends each provider here. */
    Map<String, String> env() {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("GATEWAY_UPSTREAM_ANTHROPIC", base, "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", base,
                "GATEWAY_UPSTREAM_GROQ", base + "/groq");
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
        for (String h : List.of("authorization", "x-api-key", "x-goog-api-key", "anthropic-version")) {
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

    /** The pieces a streamed Claude answer arrives in, each its own content_block_delta event. */
    static final List<String> CLAUDE_PIECES = List.of("Claude ", "streams ", "through compat.");

    /** Anthropic's Messages stream: named SSE events, usage split between message_start and message_delta. */
    private static void anthropicStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
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

    private void gemini(HttpExchange exchange) throws IOException {
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
