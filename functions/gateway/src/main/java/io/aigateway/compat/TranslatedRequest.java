package io.aigateway.compat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What to send upstream for one compat request.
 *
 * @param path    relative to the provider's base URL (the registry's base), with the query when one is needed; it may
 *                hold placeholders the pipeline fills from the route ({@code {project}}, {@code {location}} for Vertex)
 * @param method  HTTP method
 * @param body    the provider's request body (JSON)
 * @param headers headers the provider needs besides authentication and content-type (for example
 *                {@code anthropic-version})
 * @param stream  whether the provider will answer with a stream (SSE, or AWS event-stream for Bedrock)
 */
public record TranslatedRequest(String path, String method, byte[] body, Map<String, String> headers, boolean stream) {

    public TranslatedRequest {
        headers = Map.copyOf(headers);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
