package io.aigateway.plugin;

import io.aigateway.core.Headers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request as plug-ins and hooks see it. Built by the gateway; the constructor enforces what a plug-in may see, so
 * no instance can hold credentials: auth and session headers are withheld ({@link HeaderRules}) and the path never
 * carries a query string (where keys such as {@code ?key=} travel).
 *
 * @param gatewayId the gateway's id
 * @param provider  provider slug ({@code openai}, {@code anthropic}, ...)
 * @param model     the requested model, or null when the gateway could not tell
 * @param method    HTTP method
 * @param path      the provider path (after the provider slug), without query
 * @param headers   the client's headers, credentials removed
 * @param body      the request body as it would be sent to the provider
 * @param metadata  the request's {@code cf-aig-metadata} (strings, numbers, booleans)
 */
public record PluginRequest(
        String gatewayId,
        String provider,
        String model,
        String method,
        String path,
        Headers headers,
        PluginBody body,
        Map<String, Object> metadata) {

    public PluginRequest {
        Objects.requireNonNull(gatewayId, "gatewayId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(method, "method");
        path = withoutQuery(path);
        headers = headers == null ? Headers.empty() : HeaderRules.isScrubbed(headers) ? headers : HeaderRules.scrub(headers);
        body = body == null ? PluginBody.empty() : body;
        metadata = metadata == null || metadata.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The same request with another body (what the next plug-in sees after a modify). */
    public PluginRequest withBody(PluginBody newBody) {
        return new PluginRequest(gatewayId, provider, model, method, path, headers, newBody, metadata);
    }

    PluginRequest withHeaders(Headers newHeaders) {
        return new PluginRequest(gatewayId, provider, model, method, path, newHeaders, body, metadata);
    }

    static String withoutQuery(String path) {
        if (path == null) {
            return "";
        }
        int q = path.indexOf('?');
        int f = path.indexOf('#');
        int cut = q < 0 ? f : f < 0 ? q : Math.min(q, f);
        return cut < 0 ? path : path.substring(0, cut);
    }
}
