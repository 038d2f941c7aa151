package io.aigateway.core;

/**
 * One client request as a transport received it. {@code rawPath} and {@code rawQuery} keep their percent-encoding
 * so a provider receives exactly what the client sent.
 */
public record GatewayRequest(
        String method,
        String rawPath,
        String rawQuery,
        Headers headers,
        byte[] body,
        String clientIp,
        long receivedAtMillis,
        long receivedAtNanos) {

    public static GatewayRequest of(String method, String rawPath, String rawQuery, Headers headers, byte[] body,
                                    String clientIp) {
        return new GatewayRequest(method, rawPath, rawQuery == null ? "" : rawQuery, headers,
                body == null ? new byte[0] : body, clientIp, System.currentTimeMillis(), System.nanoTime());
    }
}
