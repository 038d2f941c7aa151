package io.aigateway.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseDecoderTest {

    private static List<SseEvent> decode(int max, List<byte[]> chunks) {
        List<SseEvent> events = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(max, e -> events.add(e.detached()));
        for (byte[] chunk : chunks) {
            decoder.feed(chunk, 0, chunk.length);
        }
        decoder.finish();
        return events;
    }

    /** Decodes the body cut every way (whole, in two at every byte, byte by byte); all must agree. */
    private static List<SseEvent> decodeEveryCut(int max, String body) {
        return decodeEveryCut(max, body.getBytes(StandardCharsets.UTF_8));
    }

    private static List<SseEvent> decodeEveryCut(int max, byte[] body) {
        List<SseEvent> whole = null;
        for (WireFixtures.Cut cut : WireFixtures.cuts(body)) {
            List<SseEvent> events = decode(max, cut.chunks());
            if (whole == null) {
                whole = events;
            } else {
                assertEquals(whole, events, cut.name());
            }
        }
        return whole;
    }

    private static List<SseEvent> decodeEveryCut(String body) {
        return decodeEveryCut(SseDecoder.DEFAULT_MAX_EVENT_BYTES, body);
    }

    private static List<String> data(List<SseEvent> events) {
        return events.stream().map(SseEvent::data).toList();
    }

    @Test
    void lfCrlfAndBareCrLineEndsReadTheSame() {
        String lf = "event: a\ndata: one\ndata: two\n\n: comment\ndata: three\n\n";
        List<SseEvent> expected = decodeEveryCut(lf);
        assertEquals(List.of("one\ntwo", "three"), data(expected));
        assertEquals("a", expected.get(0).event());
        assertNull(expected.get(1).event());
        assertEquals("message", expected.get(1).type());
        assertEquals(expected, decodeEveryCut(lf.replace("\n", "\r\n")));
        assertEquals(expected, decodeEveryCut(lf.replace("\n", "\r")));
        // mixed in one stream
        assertEquals(expected, decodeEveryCut("event: a\r\ndata: one\rdata: two\n\r\n: comment\rdata: three\r\n\n"));
    }

    @Test
    void aCrAtTheEndOfAChunkThenLfIsOneLineEnd() {
        List<SseEvent> events = decode(1024, List.of(bytes("data: a\r"), bytes("\ndata: b\r"), bytes("\n\r"), bytes("\n")));
        assertEquals(List.of("a\nb"), data(events));
        assertTrue(events.get(0).terminated());
    }

    @Test
    void fieldsPerTheSpec() {
        List<SseEvent> events = decodeEveryCut("data\n\ndata:x\n\ndata:  two spaces\n\ndata:\ndata\n\n"
                + "unknown: field\nevent:\ndata: y\n\n");
        assertEquals(List.of("", "x", " two spaces", "\n", "y"), data(events));
        assertNull(events.get(4).event(), "an empty event field means the default type");
        assertTrue(events.stream().allMatch(SseEvent::hasData));
    }

    @Test
    void idCarriesOverAndRetryIsDigitsOnly() {
        List<SseEvent> events = decodeEveryCut("id: 1\nretry: 3000\ndata: a\n\ndata: b\n\nid: 2\u0000x\nretry: 12s\ndata: c\n\n"
                + "id\ndata: d\n\n");
        assertEquals("1", events.get(0).id());
        assertEquals(3000, events.get(0).retry());
        assertEquals("1", events.get(1).id(), "the last id stays until another is set");
        assertEquals(-1, events.get(1).retry());
        assertEquals("1", events.get(2).id(), "an id holding NUL is ignored");
        assertEquals(-1, events.get(2).retry(), "retry with a non-digit is ignored");
        assertEquals("", events.get(3).id(), "an empty id resets it");
    }

    @Test
    void blocksWithoutDataAreHandedOverMarkedSo() {
        List<SseEvent> events = decodeEveryCut(": keep-alive\n\nevent: message_stop\n\n\n\nretry: 5\n\n");
        assertEquals(2, events.size(), "comment-only and empty blocks make no event");
        assertEquals("message_stop", events.get(0).event());
        assertFalse(events.get(0).hasData());
        assertEquals(5, events.get(1).retry());
    }

    @Test
    void leadingBomIsSkippedEvenSplit() {
        byte[] body = concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes("data: a\n\n"));
        assertEquals(List.of("a"), data(decodeEveryCut(64, body)));
        // only at the very start: a BOM later is data
        assertEquals(List.of("a", "\uFEFFb"), data(decodeEveryCut(64, concat(body, bytes("data: \uFEFFb\n\n")))));
        // bytes that begin like a BOM and are not one stay in the first line
        List<SseEvent> notBom = decodeEveryCut(64, concat(new byte[]{(byte) 0xEF, (byte) 0xBB}, bytes("x: 1\ndata: a\n\n")));
        assertEquals(List.of("a"), data(notBom));
        assertEquals(List.of(), decodeEveryCut(64, new byte[]{(byte) 0xEF}));
    }

    @Test
    void multiByteCharactersSurviveEverySplit() {
        String text = "Grüß dich 👋 — 日本語 ✓";
        List<SseEvent> events = decodeEveryCut("event: 📨\ndata: " + text + "\ndata: " + text + "\n\n");
        assertEquals(text + "\n" + text, events.get(0).data());
        assertEquals("📨", events.get(0).event());
    }

    @Test
    void lastEventWithoutBlankLineIsHandedOverUnterminated() {
        List<SseEvent> events = decodeEveryCut("data: a\n\ndata:[DONE]");
        assertEquals(List.of("a", "[DONE]"), data(events));
        assertTrue(events.get(0).terminated());
        assertFalse(events.get(1).terminated());
        assertTrue(events.get(1).dataEquals(ByteScan.ascii("[DONE]")));
        assertFalse(decodeEveryCut("data: a\ndata: b\n").get(0).terminated());
        assertEquals(1, decodeEveryCut("data: a\n\n").size(), "a stream ending on its blank line has nothing left");
    }

    @Test
    void eventsOverTheCapAreFlaggedNotBuffered() {
        String big = "x".repeat(100);
        String body = "event: big\ndata: " + big + big + "\n\ndata: ok\n\nevent: two-lines\ndata: " + big.substring(50)
                + "\ndata: " + big.substring(40) + "\n\n: " + big + big + "\ndata: after a long comment\n\n"
                + "data: small\n\n";
        List<SseEvent> events = decodeEveryCut(100, body);
        assertEquals(5, events.size(), events.toString());
        assertTrue(events.get(0).oversized(), "a data line far over the cap");
        assertEquals("big", events.get(0).event(), "the name of an oversized event is kept");
        assertEquals(0, events.get(0).dataLength());
        assertTrue(events.get(0).hasData());
        assertEquals("ok", events.get(1).data());
        assertTrue(events.get(2).oversized(), "lines under the cap whose data together is over it");
        assertEquals("two-lines", events.get(2).event());
        assertFalse(events.get(3).oversized(), "a comment line over the cap is just skipped");
        assertEquals("after a long comment", events.get(3).data());
        assertEquals("small", events.get(4).data());
        assertFalse(events.get(4).oversized());
    }

    @Test
    void exactlyTheCapIsAllowed() {
        String max = "y".repeat(16);
        assertEquals(List.of(max, max.substring(1) + "\n"),
                data(decodeEveryCut(16, "data: " + max + "\n\ndata:" + max.substring(1) + "\ndata\n\n")));
        assertTrue(decodeEveryCut(16, "data: " + max + "z\n\n").get(0).oversized(), "one byte over");
        assertTrue(decodeEveryCut(16, "data: " + max + "\ndata\n\n").get(0).oversized(), "the joining LF counts");
        assertTrue(decodeEveryCut(16, "id: " + "i".repeat(100) + "\ndata: a\n\n").get(0).oversized(),
                "any field over the cap");
    }

    @Test
    void feedingAfterFinishIsAnError() {
        SseDecoder d = new SseDecoder(e -> { });
        d.finish();
        assertThrows(IllegalStateException.class, () -> d.feed(bytes("data: x\n\n")));
    }

    @Test
    void recordedStreamsDecodeTheSameAtEveryCut() {
        List<SseEvent> openai = decodeEveryCut(1 << 20, WireFixtures.bytes(WireFixtures.OPENAI_CHAT));
        assertEquals(12, openai.size());
        assertTrue(openai.stream().allMatch(e -> e.event() == null && e.terminated()));
        assertEquals("[DONE]", openai.get(11).data());
        assertTrue(openai.get(10).data().contains("\"completion_tokens\":9"));
        assertTrue(openai.get(4).data().contains("👋"));

        List<SseEvent> anthropic = decodeEveryCut(1 << 20, WireFixtures.bytes(WireFixtures.ANTHROPIC_MESSAGES));
        assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"),
                anthropic.stream().map(SseEvent::event).toList());

        List<SseEvent> gemini = decodeEveryCut(1 << 20, WireFixtures.bytes(WireFixtures.GEMINI_SSE));
        assertEquals(3, gemini.size(), "CRLF line ends");
        assertTrue(gemini.get(2).data().endsWith("\"responseId\": \"kX0UaOqRFp2Q7dcP8cyx4Ao\"}"));
        assertTrue(gemini.get(2).data().contains("\"finishReason\": \"STOP\""));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
