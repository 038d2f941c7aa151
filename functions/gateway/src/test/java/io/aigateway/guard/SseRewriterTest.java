package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;
import io.aigateway.dlp.Redactor;
import io.aigateway.dlp.Restorer;
import io.aigateway.pipeline.RequestContext;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each provider's text deltas are rewritten across event boundaries, and held-back text is never lost. */
class SseRewriterTest {
    private static final String EMAIL = "jane.doe@example.com";

    private static Restoration restoration() {
        Redactor r = new Redactor();
        r.placeholder("email", EMAIL);
        return new Restoration(new Restorer(r.placeholders()));
    }

    /** Feeds the events byte by byte in odd splits, as a network might. */
    private static String rewrite(List<String> events) throws IOException {
        byte[] all = String.join("", events).getBytes(StandardCharsets.UTF_8);
        ResponseBody.Stream inner = new ResponseBody.Stream() {
            @Override
            public long length() {
                return -1;
            }

            @Override
            public void writeTo(ChunkSink sink) throws IOException {
                for (int i = 0; i < all.length; i += 7) {
                    sink.write(all, i, Math.min(7, all.length - i));
                }
            }

            @Override
            public void abort() {
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SseRewriter(inner, restoration(), new RequestContext(null, "id"), ErrorShape.OPENAI)
                .writeTo(new ChunkSink() {
                    @Override
                    public void write(byte[] bytes, int offset, int length) {
                        out.write(bytes, offset, length);
                    }

                    @Override
                    public void flush() {
                    }
                });
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String text(String sse, Function<JsonNode, String> piece) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                b.append(piece.apply(Json.MAPPER.readTree(line.substring(6))));
            }
        }
        return b.toString();
    }

    @Test
    void openAiHeldTextGoesOutWithTheFinishChunk() throws IOException {
        String out = rewrite(DlpFixtures.openAiStream("to [EMA", "IL_1]", " and [EMAIL"));
        assertEquals("to " + EMAIL + " and [EMAIL", text(out, n -> {
            StringBuilder s = new StringBuilder();
            n.path("choices").forEach(c -> s.append(c.path("delta").path("content").asText("")));
            return s.toString();
        }), out);
        assertTrue(out.endsWith("data: [DONE]\n\n"), out);
    }

    @Test
    void anthropicHeldTextGoesOutInADeltaBeforeTheBlockStops() throws IOException {
        String out = rewrite(DlpFixtures.anthropicStream("write to [EMAIL_", "1]", " or [EM"));
        assertEquals("write to " + EMAIL + " or [EM", text(out, n -> n.path("delta").path("text").asText("")), out);
        int lastDelta = out.lastIndexOf("event: content_block_delta");
        assertTrue(lastDelta < out.indexOf("event: content_block_stop"), out);
    }

    @Test
    void geminiPartsAreRewrittenAndTheRestJoinsTheFinishingCandidate() throws IOException {
        String head = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":";
        String out = rewrite(List.of(
                head + "\"mail [EM\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
                head + "\"AIL_1] now [EMAIL_\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
                "data: {\"candidates\":[{\"content\":{\"parts\":[],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
                        + "\"usageMetadata\":{\"promptTokenCount\":3}}\r\n\r\n"));
        assertEquals("mail " + EMAIL + " now [EMAIL_", text(out, n -> {
            StringBuilder s = new StringBuilder();
            n.path("candidates").forEach(c -> c.path("content").path("parts")
                    .forEach(p -> s.append(p.path("text").asText(""))));
            return s.toString();
        }), out);
        assertTrue(out.contains("\"usageMetadata\""), "other fields pass: " + out);
    }

    @Test
    void eventsWithoutTextPassAsTheyCame() throws IOException {
        String ping = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
        assertEquals(ping, rewrite(List.of(ping)));
    }
}
