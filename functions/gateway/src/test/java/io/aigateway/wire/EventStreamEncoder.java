package io.aigateway.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * Test helper: encodes AWS event-stream messages, CRCs included, the way Bedrock sends them. Checked against the
 * format's published test vectors in {@code AwsEventStreamDecoderTest}, so it does not share a bug with the decoder.
 */
public final class EventStreamEncoder {
    private EventStreamEncoder() {
    }

    public static byte[] message(List<EventStreamMessage.Header> headers, byte[] payload) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        for (EventStreamMessage.Header header : headers) {
            byte[] name = header.name().getBytes(StandardCharsets.UTF_8);
            h.write(name.length);
            h.writeBytes(name);
            switch (header.value()) {
                case HeaderValue.Bool(boolean v) -> h.write(v ? 0 : 1);
                case HeaderValue.Int8(byte v) -> {
                    h.write(2);
                    h.write(v);
                }
                case HeaderValue.Int16(short v) -> {
                    h.write(3);
                    h.writeBytes(ByteBuffer.allocate(2).putShort(v).array());
                }
                case HeaderValue.Int32(int v) -> {
                    h.write(4);
                    h.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
                }
                case HeaderValue.Int64(long v) -> {
                    h.write(5);
                    h.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
                }
                case HeaderValue.Bytes(byte[] v) -> {
                    h.write(6);
                    h.writeBytes(ByteBuffer.allocate(2).putShort((short) v.length).array());
                    h.writeBytes(v);
                }
                case HeaderValue.Str(String v) -> {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    h.write(7);
                    h.writeBytes(ByteBuffer.allocate(2).putShort((short) b.length).array());
                    h.writeBytes(b);
                }
                case HeaderValue.Timestamp(long v) -> {
                    h.write(8);
                    h.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
                }
                case HeaderValue.Uuid(UUID v) -> {
                    h.write(9);
                    h.writeBytes(ByteBuffer.allocate(16).putLong(v.getMostSignificantBits())
                            .putLong(v.getLeastSignificantBits()).array());
                }
            }
        }
        byte[] hb = h.toByteArray();
        int total = 12 + hb.length + payload.length + 4;
        ByteBuffer buf = ByteBuffer.allocate(total);
        buf.putInt(total).putInt(hb.length);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, 8);
        buf.putInt((int) crc.getValue());
        buf.put(hb).put(payload);
        crc.reset();
        crc.update(buf.array(), 0, total - 4);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /** An event message with Bedrock's three headers. */
    public static byte[] event(String eventType, String payloadJson) {
        return message(List.of(str(":event-type", eventType), str(":content-type", "application/json"),
                str(":message-type", "event")), payloadJson.getBytes(StandardCharsets.UTF_8));
    }

    /** An exception message, as Bedrock sends one mid-stream. */
    public static byte[] exception(String exceptionType, String payloadJson) {
        return message(List.of(str(":exception-type", exceptionType), str(":content-type", "application/json"),
                str(":message-type", "exception")), payloadJson.getBytes(StandardCharsets.UTF_8));
    }

    /** An InvokeModelWithResponseStream chunk: the vendor's event, base64 in {@code bytes}, with padding. */
    public static byte[] chunk(String vendorJson, String padding) {
        String b64 = Base64.getEncoder().encodeToString(vendorJson.getBytes(StandardCharsets.UTF_8));
        return event("chunk", "{\"bytes\":\"" + b64 + "\",\"p\":\"" + padding + "\"}");
    }

    public static EventStreamMessage.Header str(String name, String value) {
        return new EventStreamMessage.Header(name, new HeaderValue.Str(value));
    }

    /**
     * A stream from a fixture: one message a line, {@code <event-type> <json>}; {@code chunk <json>} wraps the
     * vendor JSON as InvokeModelWithResponseStream does, {@code !<exception-type> <json>} is an exception message.
     * A padding field grows and shrinks with the line number, as Bedrock's does.
     */
    public static byte[] stream(String fixture) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        int n = 0;
        for (String line : fixture.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            String type = line.substring(0, space);
            String json = line.substring(space + 1);
            String padding = alphabet.substring(0, 2 + (n++ * 7) % 50);
            if (type.startsWith("!")) {
                out.writeBytes(exception(type.substring(1), json));
            } else if (type.equals("chunk")) {
                out.writeBytes(chunk(json, padding));
            } else {
                out.writeBytes(event(type, json));
            }
        }
        return out.toByteArray();
    }

    public static List<byte[]> split(byte[] bytes, int at) {
        List<byte[]> parts = new ArrayList<>(2);
        parts.add(java.util.Arrays.copyOfRange(bytes, 0, at));
        parts.add(java.util.Arrays.copyOfRange(bytes, at, bytes.length));
        return parts;
    }
}
