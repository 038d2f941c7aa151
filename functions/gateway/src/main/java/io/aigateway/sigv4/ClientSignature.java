package io.aigateway.sigv4;

import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Headers;

import java.util.List;

/** The fields that carry a client's own AWS signature (and any other provider credential). */
final class ClientSignature {
    private static final List<String> FIELDS = List.of("authorization", "x-amz-date", "x-amz-security-token",
            "x-amz-content-sha256", "x-api-key", "api-key", "x-goog-api-key");

    private ClientSignature() {
    }

    static Headers without(Headers headers) {
        Headers.Builder b = headers.toBuilder();
        FIELDS.forEach(b::remove);
        return b.build();
    }

    static GatewayRequest withHeaders(GatewayRequest http, Headers headers) {
        return new GatewayRequest(http.method(), http.rawPath(), http.rawQuery(), headers, http.body(),
                http.clientIp(), http.receivedAtMillis(), http.receivedAtNanos());
    }
}
