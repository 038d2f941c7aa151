package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Recorded provider payloads under src/test/resources/compat, and helpers to feed them. */
final class Fixtures {
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_750_000_000L), ZoneOffset.UTC);

    private Fixtures() {
    }

    static String text(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/compat/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode json(String name) {
        return (ObjectNode) parse(text(name));
    }

    static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode obj(String json) {
        return (ObjectNode) parse(json);
    }

    /** Feeds a recorded stream ({@code {"event": name or absent, "data": {...}}} per line), then ends it. */
    static List<ObjectNode> replay(StreamTranslator s, String name) {
        List<ObjectNode> out = new ArrayList<>();
        for (String line : text(name).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = parse(line);
            out.addAll(s.onEvent(e.path("event").asText(null), e.get("data")));
        }
        out.addAll(s.onEnd());
        return out;
    }

    /** The concatenated content deltas of a chunk list. */
    static String content(List<ObjectNode> chunks) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode c : chunks) {
            JsonNode d = c.path("choices").path(0).path("delta");
            if (d.hasNonNull("content")) {
                sb.append(d.get("content").asText());
            }
        }
        return sb.toString();
    }

    /** The concatenated argument fragments of tool call {@code index}. */
    static String arguments(List<ObjectNode> chunks, int index) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode c : chunks) {
            for (JsonNode call : c.path("choices").path(0).path("delta").path("tool_calls")) {
                if (call.path("index").asInt() == index) {
                    sb.append(call.path("function").path("arguments").asText());
                }
            }
        }
        return sb.toString();
    }

    static ObjectNode withStream(ObjectNode request, boolean includeUsage) {
        ObjectNode r = request.deepCopy();
        r.put("stream", true);
        if (includeUsage) {
            r.putObject("stream_options").put("include_usage", true);
        }
        return r;
    }

    static ObjectNode body(TranslatedRequest t) {
        return obj(t.bodyText());
    }
}
