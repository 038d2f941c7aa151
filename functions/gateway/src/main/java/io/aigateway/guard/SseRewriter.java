package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.wire.SseDecoder;
import io.aigateway.wire.SseEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A server-sent-events answer whose text goes through a {@link StreamText} as it flows: the text deltas of OpenAI
 * chat chunks ({@code choices[].delta.content}) and Responses events ({@code response.output_text.delta}),
 * Anthropic ({@code content_block_delta} / {@code text_delta}) and Gemini ({@code candidates[].content.parts[].text});
 * every string of any other JSON event is filtered whole. Events are decoded with {@link SseDecoder} and written
 * again: an event whose text did not change keeps its data as it came; comment lines are not passed on.
 * <p>
 * Text a filter holds back goes out with a later delta of its channel, with the event that ends the channel
 * (OpenAI's {@code finish_reason}, Gemini's {@code finishReason}: appended to that event's text; Anthropic's
 * {@code content_block_stop}, {@code [DONE]}, {@code message_stop}: in a delta event of the same shape sent just
 * before), or at the end of the stream. When a filter throws {@link DlpBlock}, the text not yet sent is dropped, a
 * well-formed error event in the stream's own format ends the answer (code 2030), and the provider call is
 * cancelled.
 */
final class SseRewriter implements ResponseBody.Stream {
    private static final int MAX_EVENT_BYTES = 8 << 20;

    private final ResponseBody.Stream inner;
    private final StreamText text;
    private final RequestContext ex;
    private final ErrorShape fallbackShape;

    SseRewriter(ResponseBody.Stream inner, StreamText text, RequestContext ex, ErrorShape fallbackShape) {
        this.inner = inner;
        this.text = text;
        this.ex = ex;
        this.fallbackShape = fallbackShape;
    }

    @Override
    public long length() {
        return -1; // rewritten: the provider's length no longer holds
    }

    @Override
    public void abort() {
        inner.abort();
    }

    /** Thrown into the provider's body to stop it once the answer is blocked (not a client disconnect). */
    private static final class Stopped extends IOException {
        Stopped() {
            super("answer blocked by a DLP policy", null);
        }
    }

    @Override
    public void writeTo(ChunkSink sink) throws IOException {
        Events events = new Events();
        SseDecoder decoder = new SseDecoder(MAX_EVENT_BYTES, events::event);
        try {
            inner.writeTo(new ChunkSink() {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    try {
                        decoder.feed(bytes, offset, length);
                    } catch (DlpBlock block) {
                        events.block(block);
                        throw new Stopped();
                    }
                    events.drainTo(sink, false);
                }

                @Override
                public void flush() throws IOException {
                    sink.flush();
                }
            });
        } catch (Stopped stopped) {
            ex.answer().clientGone(false); // the provider body saw a failed write: it was us, not the client
            events.drainTo(sink, true);
            return;
        }
        if (ex.answer().upstreamBroken() || ex.answer().clientGone()) {
            return;
        }
        try {
            decoder.finish();
            events.flushAll();
        } catch (DlpBlock block) {
            events.block(block);
        }
        events.drainTo(sink, true);
    }

    /** One channel of text deltas: its filter, and how to make a delta event of its shape. */
    private record Channel(StreamText.Channel filter, Function<String, byte[]> delta) {
    }

    /** The decoded events of one stream and what goes out for them. */
    private final class Events {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        private final Map<String, Channel> channels = new LinkedHashMap<>();
        private ErrorShape format;
        private String lastId;
        private boolean blocked;

        void event(SseEvent ev) {
            if (blocked) {
                return;
            }
            if (!ev.hasData() || ev.oversized()) {
                write(ev.event(), ev.id(), ev.retry(), ev.hasData() ? "" : null);
                return;
            }
            String data = ev.data();
            if ("[DONE]".equals(data)) {
                flushAll();
                write(ev.event(), ev.id(), ev.retry(), data);
                return;
            }
            JsonNode parsed = ev.dataStartsWith('{') ? JsonText.parse(ev.dataBytes()) : null;
            if (!(parsed instanceof ObjectNode o)) {
                write(ev.event(), ev.id(), ev.retry(), data);
                return;
            }
            String type = o.path("type").asText("");
            boolean changed;
            if (o.path("choices").isArray()) {
                format = ErrorShape.OPENAI;
                changed = openAiChat(o);
            } else if (o.path("candidates").isArray()) {
                format = ErrorShape.GOOGLE;
                changed = gemini(o);
            } else if (type.equals("content_block_delta") && o.path("delta").path("type").asText().equals("text_delta")) {
                format = ErrorShape.ANTHROPIC;
                changed = anthropicDelta(o);
            } else if (type.equals("content_block_stop")) {
                format = ErrorShape.ANTHROPIC;
                finish("a" + o.path("index").asInt(0));
                changed = false;
            } else if (type.equals("message_stop")) {
                format = ErrorShape.ANTHROPIC;
                flushAll();
                changed = false;
            } else if (type.equals("response.output_text.delta") && o.path("delta").isTextual()) {
                format = ErrorShape.OPENAI;
                changed = responsesDelta(o);
            } else {
                if (type.equals("response.output_text.done")) {
                    finish(responsesKey(o));
                } else if (type.startsWith("response.")) {
                    format = ErrorShape.OPENAI;
                } else if (type.startsWith("message_") || type.startsWith("content_block_")) {
                    format = ErrorShape.ANTHROPIC;
                }
                changed = JsonText.rewrite(o, text::whole);
            }
            write(ev.event(), ev.id(), ev.retry(), changed ? JsonText.string(o) : data);
        }

        private boolean openAiChat(ObjectNode o) {
            boolean changed = false;
            for (JsonNode c : o.get("choices")) {
                if (!(c instanceof ObjectNode choice)) {
                    continue;
                }
                int index = choice.path("index").asInt(0);
                String key = "o" + index;
                JsonNode delta = choice.get("delta");
                String out = null;
                if (delta instanceof ObjectNode d && d.path("content").isTextual()) {
                    String in = d.get("content").asText();
                    out = channel(key, rest -> openAiDelta(o, index, rest)).filter().feed(in);
                    if (!out.equals(in)) {
                        d.put("content", out);
                        changed = true;
                    }
                }
                if (choice.hasNonNull("finish_reason") && channels.containsKey(key)) {
                    String rest = channels.remove(key).filter().finish();
                    if (!rest.isEmpty()) {
                        ObjectNode d = delta instanceof ObjectNode dd ? dd : choice.putObject("delta");
                        d.put("content", (out == null ? "" : out) + rest);
                        changed = true;
                    }
                }
            }
            return changed;
        }

        private byte[] openAiDelta(ObjectNode template, int index, String content) {
            ObjectNode chunk = template.deepCopy();
            chunk.remove("usage");
            ArrayNode choices = chunk.putArray("choices");
            ObjectNode choice = choices.addObject();
            choice.put("index", index);
            choice.putObject("delta").put("content", content);
            choice.putNull("finish_reason");
            return event(null, JsonText.string(chunk));
        }

        private boolean anthropicDelta(ObjectNode o) {
            int index = o.path("index").asInt(0);
            ObjectNode delta = (ObjectNode) o.get("delta");
            String in = delta.path("text").asText();
            String out = channel("a" + index, rest -> {
                ObjectNode e = Json.MAPPER.createObjectNode();
                e.put("type", "content_block_delta");
                e.put("index", index);
                ObjectNode d = e.putObject("delta");
                d.put("type", "text_delta");
                d.put("text", rest);
                return event("content_block_delta", JsonText.string(e));
            }).filter().feed(in);
            if (out.equals(in)) {
                return false;
            }
            delta.put("text", out);
            return true;
        }

        private boolean gemini(ObjectNode o) {
            boolean changed = false;
            for (JsonNode c : o.get("candidates")) {
                if (!(c instanceof ObjectNode candidate)) {
                    continue;
                }
                int index = candidate.path("index").asInt(0);
                String key = "g" + index;
                ObjectNode lastText = null;
                for (JsonNode p : candidate.path("content").path("parts")) {
                    if (p instanceof ObjectNode part && part.path("text").isTextual() && !part.has("thought")) {
                        String in = part.get("text").asText();
                        String out = channel(key, rest -> geminiDelta(o, index, rest)).filter().feed(in);
                        if (!out.equals(in)) {
                            part.put("text", out);
                            changed = true;
                        }
                        lastText = part;
                    }
                }
                if (candidate.hasNonNull("finishReason") && channels.containsKey(key)) {
                    String rest = channels.remove(key).filter().finish();
                    if (!rest.isEmpty()) {
                        if (lastText != null) {
                            lastText.put("text", lastText.get("text").asText() + rest);
                        } else {
                            ObjectNode content = candidate.path("content") instanceof ObjectNode existing
                                    ? existing : candidate.putObject("content");
                            ArrayNode parts = content.path("parts") instanceof ArrayNode a ? a : content.putArray("parts");
                            parts.addObject().put("text", rest);
                        }
                        changed = true;
                    }
                }
            }
            return changed;
        }

        private byte[] geminiDelta(ObjectNode template, int index, String content) {
            ObjectNode chunk = template.deepCopy();
            chunk.remove("usageMetadata");
            ObjectNode candidate = chunk.putArray("candidates").addObject();
            ObjectNode c = candidate.putObject("content");
            c.putArray("parts").addObject().put("text", content);
            c.put("role", "model");
            candidate.put("index", index);
            return event(null, JsonText.string(chunk));
        }

        private boolean responsesDelta(ObjectNode o) {
            String in = o.get("delta").asText();
            ObjectNode template = o.deepCopy();
            String out = channel(responsesKey(o), rest -> {
                ObjectNode e = template.deepCopy();
                e.put("delta", rest);
                return event("response.output_text.delta", JsonText.string(e));
            }).filter().feed(in);
            if (out.equals(in)) {
                return false;
            }
            o.put("delta", out);
            return true;
        }

        private String responsesKey(ObjectNode o) {
            return "r" + o.path("item_id").asText() + ":" + o.path("content_index").asInt(0);
        }

        private Channel channel(String key, Function<String, byte[]> delta) {
            return channels.computeIfAbsent(key, k -> new Channel(text.channel(), delta));
        }

        /** Ends a channel: what it held back goes out in a delta event of its own, before the current event. */
        private void finish(String key) {
            Channel c = channels.remove(key);
            if (c != null) {
                String rest = c.filter().finish();
                if (!rest.isEmpty()) {
                    out.writeBytes(c.delta().apply(rest));
                }
            }
        }

        void flushAll() {
            for (String key : new ArrayList<>(channels.keySet())) {
                finish(key);
            }
        }

        void block(DlpBlock block) {
            blocked = true;
            out.reset(); // text of the step that matched (and anything else not yet sent) never goes out
            ex.answer().fail(ErrorCode.DLP_RESPONSE_BLOCKED);
            ErrorShape shape = format != null ? format : fallbackShape;
            if (shape == ErrorShape.BEDROCK) {
                shape = ErrorShape.CLOUDFLARE;
            }
            ResponseBody body = shape.response(new GatewayException(ErrorCode.DLP_RESPONSE_BLOCKED, block.getMessage()))
                    .body();
            String data = new String(((ResponseBody.Bytes) body).data(), StandardCharsets.UTF_8);
            boolean named = shape == ErrorShape.ANTHROPIC || shape == ErrorShape.CLOUDFLARE;
            out.writeBytes(event(named ? "error" : null, data));
        }

        void drainTo(ChunkSink sink, boolean flush) throws IOException {
            if (out.size() > 0) {
                byte[] bytes = out.toByteArray();
                out.reset();
                sink.write(bytes, 0, bytes.length);
                sink.flush();
            } else if (flush) {
                sink.flush();
            }
        }

        private void write(String name, String id, long retry, String data) {
            StringBuilder b = new StringBuilder(data == null ? 32 : data.length() + 32);
            if (name != null) {
                b.append("event: ").append(name).append('\n');
            }
            if (id != null && !id.equals(lastId)) {
                b.append("id: ").append(id).append('\n');
                lastId = id;
            }
            if (retry >= 0) {
                b.append("retry: ").append(retry).append('\n');
            }
            if (data != null) {
                for (String line : data.split("\n", -1)) {
                    b.append("data: ").append(line).append('\n');
                }
            }
            b.append('\n');
            out.writeBytes(b.toString().getBytes(StandardCharsets.UTF_8));
        }

        private byte[] event(String name, String data) {
            StringBuilder b = new StringBuilder(data.length() + 32);
            if (name != null) {
                b.append("event: ").append(name).append('\n');
            }
            b.append("data: ").append(data).append("\n\n");
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
