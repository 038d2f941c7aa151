package io.aigateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A loopback HTTP server that answers as OpenAI, Azure OpenAI, Groq, Anthropic, Gemini (AI Studio) and Bedrock
 * Runtime do, in their wire formats, for the models it was given a {@link Reply} for: plain JSON answers and their
 * streams (OpenAI/Azure/Groq SSE with their usage conventions, Anthropic's named SSE events, Gemini's
 * {@code alt=sse} stream with CRLF separators, Bedrock's binary {@code application/vnd.amazon.eventstream} with
 * both CRCs). It records every request exactly as it arrived ({@link Seen}), so a test can check what the gateway
 * passed on. It checks no credential itself: the test compares what arrived with what the SDK was given.
 *
 * <p>Streams prove they were passed through piece by piece, whatever the machine's load: after the event that
 * carries the first piece of text, the stub holds the rest of the stream back until the client reports (on
 * {@code POST /e2e/first-piece?model=...}, outside the SDK) that its SDK handed that piece over. A gateway that
 * held the stream back until its end would never let that report arrive; the stub gives up after
 * {@link #FIRST_PIECE_WAIT_MS} and sends the rest anyway, and {@link #firstPieceReachedClientMidStream} says so.
 */
final class ProviderStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the stub answers for a model: the text (in these pieces when streamed) and the usage it reports. */
    record Reply(String model, List<String> pieces, int tokensIn, int tokensOut) {
        String text() {
            return String.join("", pieces);
        }

        int total() {
            return tokensIn + tokensOut;
        }
    }

    /** One request as the stub saw it; header names lower-cased, {@code rawPath} as sent (still percent-encoded). */
    record Seen(String method, String path, String rawPath, String rawQuery, Map<String, List<String>> headers,
                byte[] bodyBytes, JsonNode json, String model) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        String body() {
            return new String(bodyBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery) + " " + headers + " " + body();
        }
    }

    private static final Pattern AZURE = Pattern.compile("^/openai/deployments/([^/]+)/chat/completions$");
    private static final Pattern GEMINI =
            Pattern.compile("^/v1beta/models/([^/:]+):(generateContent|streamGenerateContent)$");
    private static final Pattern BEDROCK = Pattern.compile("^/model/([^/]+)/(converse|converse-stream|invoke)$");

    /** How long a stream waits, after its first piece, for the client to report it got that piece. */
    static final long FIRST_PIECE_WAIT_MS = 10_000;

    private final long eventGapMs;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> firstPieceSeen = new ConcurrentHashMap<>();
    private final Map<String, Boolean> firstPieceMidStream = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpServer server;

    ProviderStub(long eventGapMs, List<Reply> replies) throws IOException {
        this.eventGapMs = eventGapMs;
        for (Reply r : replies) {
            if (this.replies.putIfAbsent(r.model(), r) != null) {
                throw new IllegalArgumentException("two replies for model " + r.model());
            }
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::answer);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request the stub got for a model (named in the body, or in the path for Gemini and Bedrock). */
    List<Seen> seenFor(String model) {
        return seen.stream().filter(s -> model.equals(s.model())).toList();
    }

    /**
     * Whether the client reported the first piece of the model's stream while the stub was still holding back the
     * rest of it (null: no stream for that model was sent).
     */
    Boolean firstPieceReachedClientMidStream(String model) {
        return firstPieceMidStream.get(model);
    }

    private CountDownLatch firstPieceLatch(String model) {
        return firstPieceSeen.computeIfAbsent(model, k -> new CountDownLatch(1));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    // ---- routing ----------------------------------------------------------------------------------------------

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
            JsonNode json;
            try {
                json = bytes.length == 0 ? null : JSON.readTree(bytes);
            } catch (IOException e) {
                json = null;
            }
            String path = exchange.getRequestURI().getPath();
            String rawPath = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            if (path.equals("/e2e/first-piece") && query != null && query.startsWith("model=")) {
                firstPieceLatch(URLDecoder.decode(query.substring(6), StandardCharsets.UTF_8)).countDown();
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            Matcher azure = AZURE.matcher(path);
            Matcher gemini = GEMINI.matcher(path);
            Matcher bedrock = BEDROCK.matcher(path);
            String model = json != null && json.path("model").isTextual() ? json.path("model").asText() : null;
            if (gemini.matches()) {
                model = gemini.group(1);
            } else if (BEDROCK.matcher(rawPath).matches()) {
                Matcher raw = BEDROCK.matcher(rawPath);
                raw.matches();
                model = URLDecoder.decode(raw.group(1), StandardCharsets.UTF_8);
            }
            seen.add(new Seen(exchange.getRequestMethod(), path, rawPath, query, Map.copyOf(headers), bytes, json,
                    model));

            Reply reply = model == null ? null : replies.get(model);
            boolean post = exchange.getRequestMethod().equals("POST");
            boolean stream = json != null && json.path("stream").asBoolean(false);
            if (!post || reply == null) {
                notFound(exchange, path);
            } else if (path.equals("/v1/chat/completions")) {
                exchange.getResponseHeaders().set("x-request-id", "req_e2e_" + reply.model());
                exchange.getResponseHeaders().set("openai-processing-ms", "42");
                if (stream) {
                    openAiStream(exchange, reply, Flavour.OPENAI, includeUsage(json));
                } else {
                    sendJson(exchange, 200, openAiCompletion(reply, Flavour.OPENAI));
                }
            } else if (azure.matches()) {
                if (query == null || !query.contains("api-version=")) {
                    sendJson(exchange, 404, openAiError("Resource not found", "404"));
                    return;
                }
                exchange.getResponseHeaders().set("apim-request-id", "e2e-" + reply.model());
                exchange.getResponseHeaders().set("x-ms-region", "Sweden Central");
                if (stream) {
                    openAiStream(exchange, reply, Flavour.AZURE, includeUsage(json));
                } else {
                    sendJson(exchange, 200, openAiCompletion(reply, Flavour.AZURE));
                }
            } else if (path.equals("/openai/v1/chat/completions")) {
                exchange.getResponseHeaders().set("x-request-id", "req_e2e_" + reply.model());
                exchange.getResponseHeaders().set("x-groq-region", "us-east-1");
                if (stream) {
                    openAiStream(exchange, reply, Flavour.GROQ, includeUsage(json));
                } else {
                    sendJson(exchange, 200, openAiCompletion(reply, Flavour.GROQ));
                }
            } else if (path.equals("/v1/messages")) {
                exchange.getResponseHeaders().set("request-id", "req_e2e_" + reply.model());
                if (stream) {
                    anthropicStream(exchange, reply);
                } else {
                    sendJson(exchange, 200, anthropicMessage(reply));
                }
            } else if (gemini.matches()) {
                if (gemini.group(2).equals("streamGenerateContent")) {
                    geminiStream(exchange, reply);
                } else {
                    sendJson(exchange, 200, geminiResponse(reply, reply.text(), true, true));
                }
            } else if (bedrock.matches()) {
                exchange.getResponseHeaders().set("x-amzn-RequestId", "e2e-" + reply.model().replace(':', '-'));
                switch (bedrock.group(2)) {
                    case "converse" -> sendJson(exchange, 200, converseResponse(reply));
                    case "converse-stream" -> converseStream(exchange, reply);
                    default -> {
                        exchange.getResponseHeaders().set("x-amzn-bedrock-input-token-count",
                                Integer.toString(reply.tokensIn()));
                        exchange.getResponseHeaders().set("x-amzn-bedrock-output-token-count",
                                Integer.toString(reply.tokensOut()));
                        exchange.getResponseHeaders().set("x-amzn-bedrock-invocation-latency", "212");
                        String latency = headers.containsKey("x-amzn-bedrock-performanceconfig-latency")
                                ? headers.get("x-amzn-bedrock-performanceconfig-latency").getFirst() : "standard";
                        exchange.getResponseHeaders().set("x-amzn-bedrock-performanceconfig-latency", latency);
                        sendJson(exchange, 200, anthropicMessage(reply));
                    }
                }
            } else {
                notFound(exchange, path);
            }
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private static boolean includeUsage(JsonNode json) {
        return json.path("stream_options").path("include_usage").asBoolean(false);
    }

    private static void notFound(HttpExchange exchange, String path) throws IOException {
        sendJson(exchange, 404, openAiError("the stub has no answer for " + exchange.getRequestMethod() + " " + path,
                "model_not_found"));
    }

    private static ObjectNode openAiError(String message, String code) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("message", message).put("type", "invalid_request_error").putNull("param")
                .put("code", code);
        return error;
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    // ---- OpenAI, Azure OpenAI, Groq ---------------------------------------------------------------------------

    enum Flavour { OPENAI, AZURE, GROQ }

    private static ObjectNode openAiUsage(Reply reply, Flavour flavour) {
        ObjectNode usage = JSON.createObjectNode();
        if (flavour == Flavour.GROQ) {
            usage.put("queue_time", 0.017);
            usage.put("prompt_tokens", reply.tokensIn());
            usage.put("prompt_time", 0.004);
            usage.put("completion_tokens", reply.tokensOut());
            usage.put("completion_time", 0.021);
            usage.put("total_tokens", reply.total());
            usage.put("total_time", 0.025);
            return usage;
        }
        usage.put("prompt_tokens", reply.tokensIn());
        usage.put("completion_tokens", reply.tokensOut());
        usage.put("total_tokens", reply.total());
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return usage;
    }

    private static ObjectNode contentFilterResults() {
        ObjectNode results = JSON.createObjectNode();
        for (String category : List.of("hate", "self_harm", "sexual", "violence")) {
            results.putObject(category).put("filtered", false).put("severity", "safe");
        }
        return results;
    }

    private static void promptFilterResults(ObjectNode o) {
        ObjectNode result = o.putArray("prompt_filter_results").addObject();
        result.put("prompt_index", 0);
        result.set("content_filter_results", contentFilterResults());
    }

    static ObjectNode openAiCompletion(Reply reply, Flavour flavour) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-e2e-" + reply.model());
        o.put("object", "chat.completion");
        o.put("created", 1767225600);
        o.put("model", reply.model());
        if (flavour == Flavour.AZURE) {
            promptFilterResults(o);
        }
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.text());
        if (flavour != Flavour.GROQ) {
            message.putNull("refusal");
            message.putArray("annotations");
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        if (flavour == Flavour.AZURE) {
            choice.set("content_filter_results", contentFilterResults());
        }
        o.set("usage", openAiUsage(reply, flavour));
        if (flavour == Flavour.OPENAI) {
            o.put("service_tier", "default");
        }
        o.put("system_fingerprint", "fp_e2e");
        if (flavour == Flavour.GROQ) {
            o.putObject("x_groq").put("id", "req_e2e_" + reply.model());
        }
        return o;
    }

    private static ObjectNode openAiChunk(Reply reply, Flavour flavour, boolean includeUsage) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-e2e-" + reply.model());
        o.put("object", "chat.completion.chunk");
        o.put("created", 1767225600);
        o.put("model", reply.model());
        if (flavour == Flavour.OPENAI) {
            o.put("service_tier", "default");
        }
        o.put("system_fingerprint", "fp_e2e");
        o.putArray("choices");
        if (includeUsage) {
            o.putNull("usage"); // as OpenAI does: null on every chunk but the last
        }
        return o;
    }

    private static ObjectNode delta(ObjectNode chunk, Flavour flavour) {
        ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        if (flavour == Flavour.AZURE) {
            choice.set("content_filter_results", contentFilterResults());
        }
        return delta;
    }

    /**
     * OpenAI's SSE: role chunk, content chunks, finish chunk, usage chunk (when asked for), [DONE]. Azure first sends
     * a chunk with empty choices and model carrying its prompt filter results; Groq reports usage in {@code x_groq}
     * of the finish chunk, asked or not (and its id in the first).
     */
    private void openAiStream(HttpExchange exchange, Reply reply, Flavour flavour, boolean includeUsage)
            throws IOException {
        List<String> events = new ArrayList<>();
        if (flavour == Flavour.AZURE) {
            ObjectNode filters = JSON.createObjectNode();
            filters.putArray("choices");
            filters.put("created", 0).put("id", "").put("model", "").put("object", "");
            promptFilterResults(filters);
            events.add("data: " + filters + "\n\n");
        }
        ObjectNode first = openAiChunk(reply, flavour, includeUsage);
        delta(first, flavour).put("role", "assistant").put("content", "");
        if (flavour == Flavour.GROQ) {
            first.putObject("x_groq").put("id", "req_e2e_" + reply.model());
        }
        events.add("data: " + first + "\n\n");
        int firstPiece = events.size();
        for (String piece : reply.pieces()) {
            ObjectNode chunk = openAiChunk(reply, flavour, includeUsage);
            delta(chunk, flavour).put("content", piece);
            events.add("data: " + chunk + "\n\n");
        }
        ObjectNode finish = openAiChunk(reply, flavour, includeUsage);
        delta(finish, flavour);
        ((ObjectNode) finish.get("choices").get(0)).put("finish_reason", "stop");
        if (flavour == Flavour.GROQ) {
            finish.putObject("x_groq").put("id", "req_e2e_" + reply.model()).set("usage", openAiUsage(reply, flavour));
        }
        events.add("data: " + finish + "\n\n");
        if (includeUsage) {
            ObjectNode last = openAiChunk(reply, flavour, true);
            last.set("usage", openAiUsage(reply, flavour));
            events.add("data: " + last + "\n\n");
        }
        events.add("data: [DONE]\n\n");
        sendEvents(exchange, reply, "text/event-stream; charset=utf-8", toBytes(events), firstPiece);
    }

    // ---- Anthropic --------------------------------------------------------------------------------------------

    private static ObjectNode anthropicUsage(int in, int out) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("input_tokens", in);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.put("output_tokens", out);
        usage.put("service_tier", "standard");
        return usage;
    }

    static ObjectNode anthropicMessage(Reply reply) {
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
    private void anthropicStream(HttpExchange exchange, Reply reply) throws IOException {
        List<String> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = anthropicMessage(reply);
        message.putArray("content");
        message.putNull("stop_reason");
        message.set("usage", anthropicUsage(reply.tokensIn(), 1));
        start.set("message", message);
        events.add(sse("message_start", start));
        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        events.add(sse("content_block_start", blockStart));
        events.add(sse("ping", JSON.createObjectNode().put("type", "ping")));
        int firstPiece = events.size();
        for (String piece : reply.pieces()) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            events.add(sse("content_block_delta", delta));
        }
        events.add(sse("content_block_stop",
                JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", reply.tokensOut());
        events.add(sse("message_delta", messageDelta));
        events.add(sse("message_stop", JSON.createObjectNode().put("type", "message_stop")));
        sendEvents(exchange, reply, "text/event-stream; charset=utf-8", toBytes(events), firstPiece);
    }

    private static String sse(String name, JsonNode data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    // ---- Gemini (Google AI Studio) ----------------------------------------------------------------------------

    /**
     * A generateContent answer, or one chunk of a stream: every chunk reports the prompt's tokens, only the last one
     * the candidates' tokens and the finish reason (as Gemini does).
     */
    static ObjectNode geminiResponse(Reply reply, String text, boolean last, boolean withModel) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode candidate = o.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        content.put("role", "model");
        if (last) {
            candidate.put("finishReason", "STOP");
        }
        candidate.put("index", 0);
        ObjectNode usage = o.putObject("usageMetadata");
        usage.put("promptTokenCount", reply.tokensIn());
        if (last) {
            usage.put("candidatesTokenCount", reply.tokensOut());
            usage.put("totalTokenCount", reply.total());
        } else {
            usage.put("totalTokenCount", reply.tokensIn());
        }
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", reply.tokensIn());
        if (last) {
            usage.putArray("candidatesTokensDetails").addObject().put("modality", "TEXT")
                    .put("tokenCount", reply.tokensOut());
        }
        if (withModel) {
            o.put("modelVersion", reply.model());
        }
        o.put("responseId", "e2e-" + reply.model());
        return o;
    }

    /** {@code streamGenerateContent?alt=sse}: one {@code data:} event per piece, CRLF-separated as Google sends. */
    private void geminiStream(HttpExchange exchange, Reply reply) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null || !query.contains("alt=sse")) {
            sendJson(exchange, 400, JSON.createObjectNode().put("error", "the stub streams only with alt=sse"));
            return;
        }
        List<String> events = new ArrayList<>();
        List<String> pieces = reply.pieces();
        for (int i = 0; i < pieces.size(); i++) {
            events.add("data: " + geminiResponse(reply, pieces.get(i), i == pieces.size() - 1, true) + "\r\n\r\n");
        }
        sendEvents(exchange, reply, "text/event-stream", toBytes(events), 0);
    }

    // ---- Bedrock Runtime --------------------------------------------------------------------------------------

    static ObjectNode converseUsage(Reply reply) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("inputTokens", reply.tokensIn());
        usage.put("outputTokens", reply.tokensOut());
        usage.put("totalTokens", reply.total());
        return usage;
    }

    static ObjectNode converseResponse(Reply reply) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode message = o.putObject("output").putObject("message");
        message.put("role", "assistant");
        message.putArray("content").addObject().put("text", reply.text());
        o.put("stopReason", "end_turn");
        o.set("usage", converseUsage(reply));
        o.putObject("metrics").put("latencyMs", 212);
        return o;
    }

    /**
     * ConverseStream: an AWS event stream of messageStart, contentBlockDelta per piece, contentBlockStop,
     * messageStop and metadata (usage, metrics); each payload padded with a {@code p} field as Bedrock does.
     */
    private void converseStream(HttpExchange exchange, Reply reply) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        frames.add(awsEvent("messageStart", JSON.createObjectNode().put("p", "abcdefgh").put("role", "assistant")));
        for (String piece : reply.pieces()) {
            ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
            delta.putObject("delta").put("text", piece);
            delta.put("p", "abcdef");
            frames.add(awsEvent("contentBlockDelta", delta));
        }
        frames.add(awsEvent("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0).put("p", "abc")));
        frames.add(awsEvent("messageStop", JSON.createObjectNode().put("p", "abcd").put("stopReason", "end_turn")));
        ObjectNode metadata = JSON.createObjectNode();
        metadata.putObject("metrics").put("latencyMs", 318);
        metadata.put("p", "ab");
        metadata.set("usage", converseUsage(reply));
        frames.add(awsEvent("metadata", metadata));
        sendEvents(exchange, reply, "application/vnd.amazon.eventstream", frames, 1);
    }

    private static byte[] awsEvent(String eventType, JsonNode payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return eventStreamFrame(headers, payload.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One frame of the AWS event stream encoding: total length, headers length, CRC32 of those 8 bytes (the
     * prelude), the headers (name length, name, type 7 = string, value length, value), the payload, and a CRC32 of
     * everything before it.
     */
    static byte[] eventStreamFrame(Map<String, String> headers, byte[] payload) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            h.write(n.length);
            h.writeBytes(n);
            h.write(7);
            h.write((v.length >> 8) & 0xff);
            h.write(v.length & 0xff);
            h.writeBytes(v);
        });
        byte[] headerBytes = h.toByteArray();
        int total = 12 + headerBytes.length + payload.length + 4;
        ByteBuffer frame = ByteBuffer.allocate(total);
        frame.putInt(total).putInt(headerBytes.length);
        CRC32 prelude = new CRC32();
        prelude.update(frame.array(), 0, 8);
        frame.putInt((int) prelude.getValue());
        frame.put(headerBytes).put(payload);
        CRC32 message = new CRC32();
        message.update(frame.array(), 0, total - 4);
        frame.putInt((int) message.getValue());
        return frame.array();
    }

    // ---- sending ------------------------------------------------------------------------------------------------

    private static List<byte[]> toBytes(List<String> events) {
        return events.stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /**
     * Chunked response, one flush per event, {@code eventGapMs} apart; after event {@code firstPiece} (the one
     * carrying the first piece of text) it waits for the client's report that its SDK got that piece.
     */
    private void sendEvents(HttpExchange exchange, Reply reply, String contentType, List<byte[]> events,
                            int firstPiece) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            for (int i = 0; i < events.size(); i++) {
                if (i > 0) {
                    Thread.sleep(eventGapMs);
                }
                out.write(events.get(i));
                out.flush();
                if (i == firstPiece) {
                    boolean reported = firstPieceLatch(reply.model()).await(FIRST_PIECE_WAIT_MS, TimeUnit.MILLISECONDS);
                    firstPieceMidStream.put(reply.model(), reported);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while streaming", e);
        }
    }

    // ---- SigV4 ------------------------------------------------------------------------------------------------

    /**
     * Checks the request's AWS Signature Version 4 as Bedrock would, with the secret the SDK was given: the
     * canonical request is rebuilt from what arrived (method, the path's bytes URI-encoded once more as botocore
     * does for every service but S3, query, each signed header, the body's SHA-256), with {@code host} set to the
     * real Bedrock host the SDK signed for (the stub's own address is all that differs). Returns null when it
     * verifies, else why not.
     */
    static String sigV4Mismatch(Seen s, String secret, String region, String service, String realHost) {
        String authorization = s.header("authorization");
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            return "no SigV4 authorization header: " + authorization;
        }
        Matcher m = Pattern.compile("Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                + "SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})").matcher(authorization);
        if (!m.find()) {
            return "unparsable authorization header: " + authorization;
        }
        String date = m.group(2);
        if (!region.equals(m.group(3)) || !service.equals(m.group(4))) {
            return "signed for " + m.group(3) + "/" + m.group(4);
        }
        String amzDate = s.header("x-amz-date");
        if (amzDate == null || !amzDate.startsWith(date)) {
            return "x-amz-date missing or not of the credential's day: " + amzDate;
        }
        StringBuilder canonical = new StringBuilder();
        canonical.append(s.method()).append('\n');
        canonical.append(uriEncode(s.rawPath())).append('\n');
        canonical.append(canonicalQuery(s.rawQuery())).append('\n');
        String signedHeaders = m.group(5);
        for (String name : signedHeaders.split(";")) {
            String value = name.equals("host") ? realHost : s.header(name);
            if (value == null) {
                return "signed header " + name + " did not arrive";
            }
            canonical.append(name).append(':').append(value.strip().replaceAll("\\s+", " ")).append('\n');
        }
        canonical.append('\n').append(signedHeaders).append('\n').append(hex(sha256(s.bodyBytes())));
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        return expected.equals(m.group(6)) ? null
                : "signature differs: canonical request rebuilt from what arrived:\n" + canonical;
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            pairs.add(uriEncode(URLDecoder.decode(name, StandardCharsets.UTF_8)).replace("/", "%2F") + "="
                    + uriEncode(URLDecoder.decode(value, StandardCharsets.UTF_8)).replace("/", "%2F"));
        }
        pairs.sort(null);
        return String.join("&", pairs);
    }

    /** RFC 3986 encoding of everything but unreserved characters and '/'. */
    private static String uriEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
