package io.aigateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.wire.EventStreamEncoder;
import io.aigateway.wire.EventStreamMessage;
import io.aigateway.wire.HeaderValue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Recorded provider payloads (src/test/resources/compat: real answers of Anthropic, Gemini, Bedrock, Cohere, Workers
 * AI) as a stub upstream sends them: JSON bodies, SSE streams, and Bedrock's AWS event-stream.
 */
public final class ProviderFixtures {
    private ProviderFixtures() {
    }

    public static String text(String name) {
        try (InputStream in = ProviderFixtures.class.getResourceAsStream("/compat/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code .jsonl} fixture ({@code {"event": name?, "data": {...}}} a line) as SSE events. */
    public static List<String> sse(String name) {
        List<String> events = new ArrayList<>();
        for (JsonNode line : lines(name)) {
            String event = line.path("event").isTextual() ? "event: " + line.get("event").asText() + "\n" : "";
            events.add(event + "data: " + line.get("data").toString() + "\n\n");
        }
        return events;
    }

    /** A Bedrock {@code .jsonl} fixture as AWS event-stream messages (exceptions where the name says so). */
    public static byte[] eventStream(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JsonNode line : lines(name)) {
            String event = line.get("event").asText();
            boolean exception = event.endsWith("Exception");
            List<EventStreamMessage.Header> headers = List.of(
                    new EventStreamMessage.Header(exception ? ":exception-type" : ":event-type", new HeaderValue.Str(event)),
                    new EventStreamMessage.Header(":content-type", new HeaderValue.Str("application/json")),
                    new EventStreamMessage.Header(":message-type", new HeaderValue.Str(exception ? "exception" : "event")));
            out.writeBytes(EventStreamEncoder.message(headers, line.get("data").toString().getBytes(StandardCharsets.UTF_8)));
        }
        return out.toByteArray();
    }

    /** A stub reply sending {@code bytes} as Bedrock's event stream. */
    public static StubUpstream.Reply eventStreamReply(byte[] bytes) {
        return exchange -> {
            exchange.getResponseHeaders().add("content-type", "application/vnd.amazon.eventstream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            body.write(bytes);
            body.flush();
        };
    }

    private static List<JsonNode> lines(String name) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text(name).split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(Json.MAPPER.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }
}
