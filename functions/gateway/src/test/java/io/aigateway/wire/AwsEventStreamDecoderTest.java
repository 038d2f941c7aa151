package io.aigateway.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.aigateway.wire.EventStreamEncoder.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwsEventStreamDecoderTest {

    private record Decoded(List<EventStreamMessage> messages, String failure, boolean atBoundary) {
    }

    private static Decoded decode(List<byte[]> chunks) {
        List<EventStreamMessage> messages = new ArrayList<>();
        AwsEventStreamDecoder d = new AwsEventStreamDecoder(m -> messages.add(m.detached()));
        for (byte[] chunk : chunks) {
            d.feed(chunk, 0, chunk.length);
        }
        return new Decoded(messages, d.failure(), d.atMessageBoundary());
    }

    private static Decoded decodeEveryCut(byte[] body) {
        Decoded whole = null;
        for (WireFixtures.Cut cut : WireFixtures.cuts(body)) {
            Decoded d = decode(cut.chunks());
            if (whole == null) {
                whole = d;
            } else {
                assertEquals(whole, d, cut.name());
            }
        }
        return whole;
    }

    /**
     * Two of the format's published test vectors (empty_message; int32_header, a header named "event-type" holding
     * 40972 and the payload {'foo':'bar'}): the decoder reads them, and the test encoder writes them byte for byte,
     * so encoder and decoder cannot share a CRC or layout mistake.
     */
    @Test
    void publishedVectors() {
        byte[] empty = unsigned(0, 0, 0, 16, 0, 0, 0, 0, 5, 194, 72, 235, 125, 152, 200, 255);
        Decoded d = decodeEveryCut(empty);
        assertEquals(1, d.messages().size());
        assertEquals(List.of(), d.messages().get(0).headers());
        assertEquals(0, d.messages().get(0).payloadLength());
        assertArrayEquals(empty, EventStreamEncoder.message(List.of(), new byte[0]));

        byte[] int32 = unsigned(0, 0, 0, 45, 0, 0, 0, 16, 65, 196, 36, 184, 10, 101, 118, 101, 110, 116, 45, 116, 121,
                112, 101, 4, 0, 0, 160, 12, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 54, 244, 128, 160);
        List<EventStreamMessage.Header> headers = List.of(new EventStreamMessage.Header("event-type", new HeaderValue.Int32(40972)));
        d = decodeEveryCut(int32);
        assertEquals(headers, d.messages().get(0).headers());
        assertEquals("{'foo':'bar'}", d.messages().get(0).payloadString());
        assertArrayEquals(int32, EventStreamEncoder.message(headers, "{'foo':'bar'}".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void everyHeaderType() {
        List<EventStreamMessage.Header> headers = List.of(
                new EventStreamMessage.Header("t", new HeaderValue.Bool(true)),
                new EventStreamMessage.Header("f", new HeaderValue.Bool(false)),
                new EventStreamMessage.Header("b", new HeaderValue.Int8((byte) -7)),
                new EventStreamMessage.Header("s", new HeaderValue.Int16((short) -300)),
                new EventStreamMessage.Header("i", new HeaderValue.Int32(-70000)),
                new EventStreamMessage.Header("l", new HeaderValue.Int64(Long.MIN_VALUE + 5)),
                new EventStreamMessage.Header("bytes", new HeaderValue.Bytes(new byte[]{0, 1, (byte) 0xff})),
                new EventStreamMessage.Header("str", new HeaderValue.Str("ünïcödé ✓")),
                new EventStreamMessage.Header("ts", new HeaderValue.Timestamp(1_745_843_531_123L)),
                new EventStreamMessage.Header("uuid", new HeaderValue.Uuid(UUID.fromString("5e1b8f0a-9c4d-4e2f-8a1b-3c5d7e9f0a1b"))));
        byte[] body = EventStreamEncoder.message(headers, "payload".getBytes(StandardCharsets.UTF_8));
        Decoded d = decodeEveryCut(body);
        assertEquals(headers, d.messages().get(0).headers());
        assertEquals("ünïcödé ✓", d.messages().get(0).stringHeader("str"));
        assertNull(d.messages().get(0).stringHeader("i"), "not a string header");
        assertNull(d.messages().get(0).header("missing"));
        assertTrue(d.atBoundary());
    }

    @Test
    void recordedBedrockStreamsDecodeTheSameAtEveryCut() {
        Decoded invoke = decodeEveryCut(WireFixtures.bytes(WireFixtures.BEDROCK_INVOKE));
        assertEquals(8, invoke.messages().size());
        assertTrue(invoke.atBoundary());
        for (EventStreamMessage m : invoke.messages()) {
            assertEquals("chunk", m.eventType());
            assertEquals("event", m.messageType());
            assertEquals("application/json", m.contentType());
            assertFalse(m.isFailure());
        }
        String last = new String(BedrockChunk.unwrap(invoke.messages().get(7)), StandardCharsets.UTF_8);
        assertTrue(last.startsWith("{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":"), last);

        Decoded converse = decodeEveryCut(WireFixtures.bytes(WireFixtures.BEDROCK_CONVERSE));
        assertEquals(List.of("messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop",
                "metadata"), converse.messages().stream().map(EventStreamMessage::eventType).toList());
        assertNull(BedrockChunk.unwrap(converse.messages().get(5)), "a ConverseStream event is its own JSON");
        assertTrue(converse.messages().get(2).payloadString().contains("à tous ☀️"));
    }

    @Test
    void exceptionMessagesAreMarked() {
        byte[] body = concat(EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}"),
                EventStreamEncoder.exception("throttlingException", "{\"message\":\"Too many tokens, please wait.\"}"));
        Decoded d = decodeEveryCut(body);
        EventStreamMessage e = d.messages().get(1);
        assertTrue(e.isFailure());
        assertEquals("exception", e.messageType());
        assertEquals("throttlingException", e.exceptionType());
        assertNull(e.eventType());
    }

    @Test
    void corruptionStopsDecodingForGood() {
        byte[] one = EventStreamEncoder.event("a", "{}");
        byte[] two = EventStreamEncoder.event("b", "{\"x\":1}");

        byte[] badPayload = concat(one, two, one);
        badPayload[one.length + two.length - 6] ^= 1; // a payload byte of the second message
        Decoded d = decodeEveryCut(badPayload);
        assertEquals(1, d.messages().size(), "nothing after a bad message is read");
        assertEquals("message CRC mismatch", d.failure());
        assertFalse(d.atBoundary());

        byte[] badPrelude = concat(one, two);
        badPrelude[one.length + 9] ^= 1; // the prelude CRC of the second
        assertEquals("prelude CRC mismatch", decodeEveryCut(badPrelude).failure());

        byte[] badLength = concat(one, two);
        badLength[one.length] = 0x7f; // a 2 GB message
        d = decodeEveryCut(badLength);
        assertTrue(d.failure().startsWith("message length"), d.failure());
        assertEquals(1, d.messages().size());

        assertTrue(decodeEveryCut("this is not binary framing".getBytes(StandardCharsets.US_ASCII)).failure() != null);
    }

    @Test
    void badHeadersFail() {
        byte[] msg = EventStreamEncoder.message(List.of(str("k", "v")), new byte[0]);
        msg[12 + 1 + 1] = 10; // type 10 does not exist
        fixCrcs(msg);
        assertEquals("unknown header type 10", decodeEveryCut(msg).failure());

        msg = EventStreamEncoder.message(List.of(str("k", "v")), new byte[0]);
        msg[12 + 1 + 1 + 2] = 9; // string length past the headers
        fixCrcs(msg);
        assertTrue(decodeEveryCut(msg).failure().contains("overruns"));
    }

    @Test
    void aStreamCutInsideAMessageIsNotAtABoundary() {
        byte[] body = WireFixtures.bytes(WireFixtures.BEDROCK_CONVERSE);
        Decoded d = decode(List.of(Arrays.copyOf(body, body.length - 3)));
        assertEquals(5, d.messages().size());
        assertNull(d.failure());
        assertFalse(d.atBoundary());
    }

    @Test
    void messagesOverTheCapFail() {
        List<EventStreamMessage> seen = new ArrayList<>();
        AwsEventStreamDecoder d = new AwsEventStreamDecoder(64, seen::add);
        d.feed(EventStreamEncoder.event("big", "{\"text\":\"" + "x".repeat(100) + "\"}"));
        assertTrue(d.failure().startsWith("message length"));
        assertEquals(List.of(), seen);
    }

    @Test
    void bedrockChunkUnwrap() {
        String vendor = "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"👋\"}}";
        byte[] b = vendor.getBytes(StandardCharsets.UTF_8);
        String padded = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(b) + "\",\"p\":\"abcdefgh\"}";
        assertEquals(vendor, unwrap(padded));
        String unpadded = "{\"p\":\"ab\",\"bytes\":\"" + Base64.getEncoder().withoutPadding().encodeToString(b) + "\"}";
        assertEquals(vendor, unwrap(unpadded), "padding is optional, and the field may come second");
        assertNull(unwrap("{\"contentBlockIndex\":0,\"delta\":{\"bytes\":\"eA==\"}}"), "only a top-level field counts");
        assertNull(unwrap("{\"bytes\":null}"));
        assertNull(unwrap("not json"));
        assertNull(unwrap("{\"bytes\":\"eA=="), "cut JSON before the value is complete");
        assertThrows(IllegalArgumentException.class, () -> unwrap("{\"bytes\":\"not base64!\"}"));
    }

    private static String unwrap(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] inner = BedrockChunk.unwrap(p, 0, p.length);
        return inner == null ? null : new String(inner, StandardCharsets.UTF_8);
    }

    private static void fixCrcs(byte[] msg) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(msg, 0, 8);
        java.nio.ByteBuffer.wrap(msg).putInt(8, (int) crc.getValue());
        crc.reset();
        crc.update(msg, 0, msg.length - 4);
        java.nio.ByteBuffer.wrap(msg).putInt(msg.length - 4, (int) crc.getValue());
    }

    private static byte[] unsigned(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
