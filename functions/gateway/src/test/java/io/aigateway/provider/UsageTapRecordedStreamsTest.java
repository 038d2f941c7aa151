package io.aigateway.provider;

import io.aigateway.wire.WireFixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Usage read from recorded provider streams, delivered whole, cut in two at every byte, and byte by byte. */
class UsageTapRecordedStreamsTest {

    private static Usage read(String contentType, List<byte[]> chunks) {
        UsageTap tap = UsageTap.forContentType(contentType, 1 << 20, null);
        for (byte[] c : chunks) {
            tap.accept(c, 0, c.length);
        }
        tap.finish();
        return tap.usage();
    }

    private static Usage everyCut(String contentType, byte[] body) {
        Usage whole = read(contentType, List.of(body));
        for (WireFixtures.Cut cut : WireFixtures.cuts(body)) {
            assertEquals(whole.toString(), read(contentType, cut.chunks()).toString(), cut.name());
        }
        assertFalse(whole.estimated());
        return whole;
    }

    @Test
    void openAiChatStreamWithUsage() {
        Usage u = everyCut("text/event-stream; charset=utf-8", WireFixtures.bytes(WireFixtures.OPENAI_CHAT));
        assertEquals(21, u.tokensIn());
        assertEquals(9, u.tokensOut());
        assertEquals(0, u.cacheReadTokens());
        assertEquals("gpt-4o-mini-2024-07-18", u.model());
    }

    @Test
    void anthropicMessagesStream() {
        Usage u = everyCut("text/event-stream", WireFixtures.bytes(WireFixtures.ANTHROPIC_MESSAGES));
        assertEquals(472 + 2048, u.tokensIn());
        assertEquals(2048, u.cacheReadTokens());
        assertEquals(18, u.tokensOut());
        assertEquals("claude-sonnet-4-5-20250929", u.model());
    }

    @Test
    void geminiAltSseStream() {
        Usage u = everyCut("text/event-stream", WireFixtures.bytes(WireFixtures.GEMINI_SSE));
        assertEquals(11, u.tokensIn());
        assertEquals(12 + 40, u.tokensOut());
        assertEquals(40, u.reasoningTokens());
        assertEquals("gemini-2.5-flash", u.model());
    }

    @Test
    void bedrockInvokeModelWithResponseStream() {
        Usage u = everyCut("application/vnd.amazon.eventstream", WireFixtures.bytes(WireFixtures.BEDROCK_INVOKE));
        assertEquals(25, u.tokensIn());
        assertEquals(14, u.tokensOut());
        assertEquals("claude-3-5-haiku-20241022", u.model());
    }

    @Test
    void bedrockConverseStream() {
        Usage u = everyCut("application/vnd.amazon.eventstream", WireFixtures.bytes(WireFixtures.BEDROCK_CONVERSE));
        assertEquals(17 + 1024, u.tokensIn());
        assertEquals(1024, u.cacheReadTokens());
        assertEquals(8, u.tokensOut());
    }

    @Test
    void cohereV1JsonLinesStream() {
        String lines = "{\"is_finished\":false,\"event_type\":\"stream-start\",\"generation_id\":\"6f1c\"}\n"
                + "{\"is_finished\":false,\"event_type\":\"text-generation\",\"text\":\"Grüß 👋\"}\n"
                + "{\"is_finished\":true,\"event_type\":\"stream-end\",\"response\":{\"text\":\"Grüß 👋\",\"meta\":"
                + "{\"billed_units\":{\"input_tokens\":12,\"output_tokens\":4}}},\"finish_reason\":\"COMPLETE\"}";
        Usage u = everyCut("application/stream+json", lines.getBytes(StandardCharsets.UTF_8));
        assertEquals(12, u.tokensIn());
        assertEquals(4, u.tokensOut());
    }
}
