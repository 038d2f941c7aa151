package io.aigateway.provider;

import io.aigateway.provider.UsageTap;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class UsageTapTest {

    /** Feeds the body in pieces of {@code step} bytes, as a network would. */
    private static Usage feed(UsageTap tap, String body, int step) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += step) {
            tap.accept(bytes, i, Math.min(step, bytes.length - i));
        }
        tap.finish();
        return tap.usage();
    }

    @Test
    void openAiChatJson() {
        Usage u = feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}", 7);
        assertEquals(12, u.tokensIn());
        assertEquals(3, u.tokensOut());
        assertEquals("gpt-4o", u.model());
    }

    @Test
    void openAiResponsesAndAnthropicJson() {
        Usage u = feed(UsageTap.forContentType("application/json; charset=utf-8", 1 << 20),
                "{\"type\":\"message\",\"usage\":{\"input_tokens\":25,\"output_tokens\":9}}", 1000);
        assertEquals(25, u.tokensIn());
        assertEquals(9, u.tokensOut());
    }

    @Test
    void geminiAndBedrockConverseAndCohere() {
        assertEquals(8, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":8}}", 3).tokensOut());
        assertEquals(40, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"usage\":{\"inputTokens\":40,\"outputTokens\":2}}", 3).tokensIn());
        assertEquals(7, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"meta\":{\"billed_units\":{\"input_tokens\":7,\"output_tokens\":1}}}", 3).tokensIn());
    }

    @Test
    void openAiStreamWithUsageChunkSplitAnywhere() {
        String sse = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"model\":\"gpt-4o-mini\"}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2}}\n\n"
                + "data: [DONE]\n\n";
        for (int step = 1; step < 40; step += 3) {
            Usage u = feed(UsageTap.forContentType("text/event-stream", 0), sse, step);
            assertEquals(11, u.tokensIn(), "step " + step);
            assertEquals(2, u.tokensOut(), "step " + step);
            assertEquals("gpt-4o-mini", u.model());
        }
    }

    @Test
    void anthropicStreamSplitsInputAndOutputAcrossEvents() {
        String sse = "event: message_start\r\n"
                + "data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\r\n\r\n"
                + "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hello\"}}\r\n\r\n"
                + "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\r\n\r\n"
                + "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
        Usage u = feed(UsageTap.forContentType("text/event-stream; charset=utf-8", 0), sse, 5);
        assertEquals(25, u.tokensIn());
        assertEquals(15, u.tokensOut());
        assertEquals("claude-sonnet-4-5", u.model());
    }

    @Test
    void geminiStreamKeepsTheLastCumulativeCounts() {
        String sse = "data: {\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":2}}\n\n"
                + "data: {\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":14},\"modelVersion\":\"gemini-2.5-flash\"}\n\n";
        Usage u = feed(UsageTap.forContentType("text/event-stream", 0), sse, 4);
        assertEquals(9, u.tokensIn());
        assertEquals(14, u.tokensOut());
    }

    @Test
    void nonJsonAndOversizeBodiesYieldNoUsage() {
        assertFalse(feed(UsageTap.forContentType("application/json", 1 << 20), "not json {", 3).reported());
        assertFalse(feed(UsageTap.forContentType("application/json", 10),
                "{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}", 3).reported());
        assertFalse(feed(UsageTap.forContentType("audio/mpeg", 1 << 20), "{\"usage\":{\"prompt_tokens\":1}}", 3).reported());
    }
}
