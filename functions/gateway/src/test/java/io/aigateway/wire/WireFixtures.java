package io.aigateway.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helper: the recorded streams under {@code src/test/resources/wire/}, and ways to cut them. */
public final class WireFixtures {
    public static final String OPENAI_CHAT = "openai-chat-usage.sse";
    public static final String ANTHROPIC_MESSAGES = "anthropic-messages.sse";
    public static final String GEMINI_SSE = "gemini-alt-sse.sse";
    public static final String BEDROCK_INVOKE = "bedrock-invoke-claude.events";
    public static final String BEDROCK_CONVERSE = "bedrock-converse-stream.events";

    private WireFixtures() {
    }

    /** The fixture's bytes as they went over the wire (an {@code .events} fixture encoded to binary frames). */
    public static byte[] bytes(String name) {
        byte[] raw = resource(name);
        return name.endsWith(".events") ? EventStreamEncoder.stream(new String(raw, StandardCharsets.UTF_8)) : raw;
    }

    private static byte[] resource(String name) {
        try (InputStream in = WireFixtures.class.getResourceAsStream("/wire/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A way of delivering a body: the chunks, in order. */
    public record Cut(String name, List<byte[]> chunks) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Every way this test suite cuts a body: whole, in two at every byte boundary, and one byte at a time. */
    public static List<Cut> cuts(byte[] body) {
        List<Cut> cuts = new ArrayList<>(body.length + 2);
        cuts.add(new Cut("whole", List.of(body)));
        for (int at = 1; at < body.length; at++) {
            cuts.add(new Cut("split at " + at, EventStreamEncoder.split(body, at)));
        }
        cuts.add(new Cut("1-byte chunks", chunks(body, 1)));
        return cuts;
    }

    public static List<byte[]> chunks(byte[] body, int size) {
        List<byte[]> out = new ArrayList<>(body.length / size + 1);
        for (int i = 0; i < body.length; i += size) {
            out.add(java.util.Arrays.copyOfRange(body, i, Math.min(body.length, i + size)));
        }
        return out;
    }

    /** Runs {@code decode} over every cut and returns the results, the whole body's first. */
    public static <T> List<T> decodeEveryCut(byte[] body, java.util.function.Function<List<byte[]>, T> decode) {
        List<T> results = new ArrayList<>();
        for (Cut cut : cuts(body)) {
            results.add(decode.apply(cut.chunks()));
        }
        return results;
    }
}
