package io.aigateway.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aigateway.core.Json;

/**
 * The two facts the gateway needs from a request body, read with a streaming parser that skips everything else:
 * the top-level {@code model} and {@code stream}. A body that is not a JSON object yields neither and is still
 * proxied untouched.
 */
public record RequestBodyInfo(String model, boolean stream) {
    public static final RequestBodyInfo NONE = new RequestBodyInfo(null, false);

    /**
     * The model a request to {@code route} asks for: the body's, else one the provider puts in its path (Gemini,
     * Bedrock, Workers AI), looked for in the rest of the path and then in the whole upstream path.
     */
    public String modelFor(ProxyRoute route) {
        if (model != null) {
            return model;
        }
        Provider p = route.provider();
        return p.modelFromPath(route.restPath()).or(() -> p.modelFromPath(route.upstreamUri().getRawPath()))
                .orElse(null);
    }

    /** Whether a request to {@code route} asks for a streamed answer: in the body, or by its path. */
    public boolean streamFor(ProxyRoute route) {
        return stream || route.provider().isStreamingPath(route.restPath());
    }

    public static RequestBodyInfo inspect(byte[] body) {
        if (body.length < 2 || firstNonSpace(body) != '{') {
            return NONE;
        }
        String model = null;
        boolean stream = false;
        try (JsonParser p = Json.FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("model".equals(name) && value == JsonToken.VALUE_STRING) {
                    model = p.getText();
                } else if ("stream".equals(name)) {
                    stream = value == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
            return new RequestBodyInfo(model, stream);
        } catch (Exception e) {
            return model == null && !stream ? NONE : new RequestBodyInfo(model, stream);
        }
    }

    private static byte firstNonSpace(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b;
            }
        }
        return 0;
    }
}
