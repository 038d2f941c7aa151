package io.aigateway.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NdjsonDecoderTest {

    private static List<String> decode(int max, List<byte[]> chunks) {
        List<String> lines = new ArrayList<>();
        NdjsonDecoder d = new NdjsonDecoder(max, (b, off, len) -> lines.add(new String(b, off, len, StandardCharsets.UTF_8)));
        for (byte[] c : chunks) {
            d.feed(c, 0, c.length);
        }
        d.finish();
        return lines;
    }

    private static List<String> decodeEveryCut(int max, String body) {
        List<String> whole = null;
        for (WireFixtures.Cut cut : WireFixtures.cuts(body.getBytes(StandardCharsets.UTF_8))) {
            List<String> lines = decode(max, cut.chunks());
            if (whole == null) {
                whole = lines;
            } else {
                assertEquals(whole, lines, cut.name());
            }
        }
        return whole;
    }

    @Test
    void cohereV1StreamLines() {
        String body = "{\"is_finished\":false,\"event_type\":\"stream-start\",\"generation_id\":\"g\"}\n"
                + "{\"is_finished\":false,\"event_type\":\"text-generation\",\"text\":\"Grüß 👋\"}\r\n"
                + "\n  \n"
                + "{\"is_finished\":true,\"event_type\":\"stream-end\",\"finish_reason\":\"COMPLETE\"}";
        assertEquals(List.of("{\"is_finished\":false,\"event_type\":\"stream-start\",\"generation_id\":\"g\"}",
                "{\"is_finished\":false,\"event_type\":\"text-generation\",\"text\":\"Grüß 👋\"}",
                "{\"is_finished\":true,\"event_type\":\"stream-end\",\"finish_reason\":\"COMPLETE\"}"),
                decodeEveryCut(1 << 20, body));
    }

    @Test
    void linesOverTheCapAreSkipped() {
        String body = "{\"a\":1}\n{\"long\":\"" + "x".repeat(50) + "\"}\n{\"b\":2}\n";
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), decodeEveryCut(32, body));
    }
}
