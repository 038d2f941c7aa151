package io.aigateway.wire;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.aigateway.core.Json;

import java.io.IOException;

/**
 * Bedrock's InvokeModelWithResponseStream puts each of the model vendor's own stream events in an event-stream
 * {@code chunk} message as {@code {"bytes":"<base64 of the vendor's JSON>"}} (sometimes with a {@code "p"} padding
 * field beside it). This takes the vendor's bytes back out.
 */
public final class BedrockChunk {
    /** Standard alphabet; padding tolerated either way, as {@link java.util.Base64#getDecoder()} does. */
    private static final Base64Variant BASE64 =
            Base64Variants.MIME_NO_LINEFEEDS.withReadPadding(Base64Variant.PaddingReadBehaviour.PADDING_ALLOWED);

    private BedrockChunk() {
    }

    /**
     * The decoded {@code bytes} of a chunk payload, or null when the payload is not a JSON object with a string
     * {@code bytes} field at its top level (a ConverseStream event, say, which is the JSON itself).
     *
     * @throws IllegalArgumentException when {@code bytes} is there but is not base64
     */
    public static byte[] unwrap(byte[] payload, int offset, int length) {
        if (length < 2 || payload[offset] != '{') {
            return null;
        }
        try (JsonParser p = Json.FACTORY.createParser(payload, offset, length)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && "bytes".equals(field)) {
                    try {
                        return p.getBinaryValue(BASE64);
                    } catch (JsonEOFException cut) {
                        return null; // the JSON ends inside the value: not a chunk
                    } catch (IOException | IllegalArgumentException e) {
                        throw new IllegalArgumentException("chunk bytes are not base64", e);
                    }
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null; // not JSON: not a chunk
        }
    }

    public static byte[] unwrap(EventStreamMessage message) {
        return unwrap(message.buffer(), message.payloadOffset(), message.payloadLength());
    }
}
