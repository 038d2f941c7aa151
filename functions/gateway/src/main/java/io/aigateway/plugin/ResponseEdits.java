package io.aigateway.plugin;

import io.aigateway.core.Headers;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The combined changes of a buffered answer's phase.
 *
 * @param body       the new body (JSON bytes), or null when unchanged; the gateway sends it as
 *                   {@code application/json} with its own length
 * @param addHeaders fields to set on the answer to the client (lower-case names)
 */
public record ResponseEdits(byte[] body, Map<String, String> addHeaders) {
    public static final ResponseEdits NONE = new ResponseEdits(null, Map.of());

    public ResponseEdits {
        addHeaders = addHeaders == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(addHeaders));
    }

    public boolean isEmpty() {
        return body == null && addHeaders.isEmpty();
    }

    public boolean bodyChanged() {
        return body != null;
    }

    public byte[] bodyOr(byte[] original) {
        return body == null ? original : body.clone();
    }

    @Override
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** The answer's headers with these fields set; when the body changed, content-length is dropped for the transport to recompute. */
    public Headers applyTo(Headers response) {
        if (isEmpty()) {
            return response;
        }
        Headers.Builder b = response.toBuilder();
        if (body != null) {
            b.remove("content-length");
            b.set("content-type", "application/json");
        }
        addHeaders.forEach(b::set);
        return b.build();
    }

    @Override
    public String toString() {
        return "ResponseEdits[body=" + (body == null ? "unchanged" : body.length + " bytes") + ", add="
                + addHeaders.keySet() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseEdits e && Arrays.equals(body, e.body) && addHeaders.equals(e.addHeaders);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(body) * 31 + addHeaders.hashCode();
    }
}
