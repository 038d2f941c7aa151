package io.aigateway.plugin;

import io.aigateway.core.Headers;

import java.util.Objects;

/**
 * A provider's answer as plug-ins and hooks see it, with the request that asked for it.
 *
 * @param request     the request as it was sent (after request-phase plug-ins changed it)
 * @param status      the provider's HTTP status
 * @param contentType the answer's content type, or null
 * @param headers     the answer's headers, cookies and credential-like fields removed
 * @param body        the whole answer; for a streamed answer, what the gateway captured (bounded: see
 *                    {@link #truncated()})
 * @param streamed    true when the answer was streamed to the client as it arrived: it has already been sent, and
 *                    a plug-in can only annotate it (and keep it out of the cache by blocking), never change it
 * @param truncated   true when the captured body stops short of the whole answer
 */
public record PluginResponse(
        PluginRequest request,
        int status,
        String contentType,
        Headers headers,
        PluginBody body,
        boolean streamed,
        boolean truncated) {

    public PluginResponse {
        Objects.requireNonNull(request, "request");
        headers = headers == null ? Headers.empty() : HeaderRules.isScrubbed(headers) ? headers : HeaderRules.scrub(headers);
        body = body == null ? PluginBody.empty() : body;
    }

    /** A buffered answer, complete. */
    public static PluginResponse buffered(PluginRequest request, int status, Headers headers, byte[] body) {
        String type = headers == null ? null : headers.firstOrNull("content-type");
        return new PluginResponse(request, status, type, headers, PluginBody.of(body, type), false, false);
    }

    /** A streamed answer, after its last byte was sent; {@code captured} is what the gateway kept of it. */
    public static PluginResponse afterStream(PluginRequest request, int status, Headers headers, byte[] captured,
                                          boolean truncated) {
        String type = headers == null ? null : headers.firstOrNull("content-type");
        return new PluginResponse(request, status, type, headers, PluginBody.of(captured, type), true, truncated);
    }

    public String gatewayId() {
        return request.gatewayId();
    }

    public String provider() {
        return request.provider();
    }

    public String model() {
        return request.model();
    }

    PluginResponse withBody(PluginBody newBody) {
        return new PluginResponse(request, status, contentType, headers, newBody, streamed, truncated);
    }
}
