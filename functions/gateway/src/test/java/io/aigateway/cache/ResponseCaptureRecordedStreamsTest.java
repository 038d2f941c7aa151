package io.aigateway.cache;

import io.aigateway.wire.EventStreamEncoder;
import io.aigateway.wire.WireFixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whether a captured stream counts as finished, on recorded provider streams cut every way. */
class ResponseCaptureRecordedStreamsTest {
    private static final String SSE = "text/event-stream";
    private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private static boolean complete(String contentType, List<byte[]> chunks, byte[] body) {
        ResponseCapture capture = new ResponseCapture(contentType, -1);
        for (byte[] c : chunks) {
            capture.append(c, 0, c.length);
            capture.digest();
        }
        ResponseCapture.Result r = capture.finish();
        assertArrayEquals(body, r.body());
        return r.complete();
    }

    /** The same verdict at every cut; returns it. */
    private static boolean everyCut(String contentType, byte[] body) {
        boolean whole = complete(contentType, List.of(body), body);
        for (WireFixtures.Cut cut : WireFixtures.cuts(body)) {
            assertEquals(whole, complete(contentType, cut.chunks(), body), cut.name());
        }
        return whole;
    }

    @Test
    void recordedStreamsAreFinished() {
        assertTrue(everyCut(SSE, WireFixtures.bytes(WireFixtures.OPENAI_CHAT)));
        assertTrue(everyCut(SSE, WireFixtures.bytes(WireFixtures.ANTHROPIC_MESSAGES)));
        assertTrue(everyCut(SSE, WireFixtures.bytes(WireFixtures.GEMINI_SSE)));
        assertTrue(everyCut(EVENT_STREAM, WireFixtures.bytes(WireFixtures.BEDROCK_INVOKE)));
        assertTrue(everyCut(EVENT_STREAM, WireFixtures.bytes(WireFixtures.BEDROCK_CONVERSE)));
    }

    @Test
    void streamsWithoutTheirTerminalEventAreNot() {
        assertFalse(everyCut(SSE, withoutLast(WireFixtures.OPENAI_CHAT, "data: [DONE]\n\n")));
        assertFalse(everyCut(SSE, withoutLast(WireFixtures.ANTHROPIC_MESSAGES,
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")));
    }

    @Test
    void anErrorEventMidStreamIsNeverFinished() {
        String anthropic = new String(WireFixtures.bytes(WireFixtures.ANTHROPIC_MESSAGES), StandardCharsets.UTF_8);
        String overloaded = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}\n\n";
        int at = anthropic.indexOf("event: content_block_stop");
        assertFalse(everyCut(SSE, (anthropic.substring(0, at) + overloaded + anthropic.substring(at))
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void bedrockExceptionsAndBrokenFramingAreNeverFinished() {
        byte[] converse = WireFixtures.bytes(WireFixtures.BEDROCK_CONVERSE);
        byte[] throttled = concat(converse, EventStreamEncoder.exception("throttlingException",
                "{\"message\":\"Too many tokens, please wait before trying again.\"}"));
        assertFalse(everyCut(EVENT_STREAM, throttled));
        assertFalse(everyCut(EVENT_STREAM, Arrays.copyOf(converse, converse.length - 5)), "cut inside a message");
        byte[] corrupt = converse.clone();
        corrupt[corrupt.length / 2] ^= 0x20;
        assertFalse(everyCut(EVENT_STREAM, corrupt), "a CRC that does not match");
    }

    private static byte[] withoutLast(String fixture, String suffix) {
        String body = new String(WireFixtures.bytes(fixture), StandardCharsets.UTF_8);
        assertTrue(body.endsWith(suffix));
        return body.substring(0, body.length() - suffix.length()).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
