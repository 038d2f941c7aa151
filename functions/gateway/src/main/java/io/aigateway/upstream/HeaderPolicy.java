package io.aigateway.upstream;

import io.aigateway.core.Headers;

import java.util.Locale;
import java.util.Set;

/**
 * Which header fields cross the gateway. Upstream: everything the client sent except hop-by-hop fields, fields
 * naming this hop (Host, forwarding and Lambda fields) and every {@code cf-aig-*} field; provider auth headers pass
 * untouched. {@code Accept-Encoding} is dropped so providers answer uncompressed and usage can be read on the fly.
 */
public final class HeaderPolicy {
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
            "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "expect");
    private static final Set<String> NOT_UPSTREAM = Set.of(
            "accept-encoding", "forwarded", "x-real-ip");

    private HeaderPolicy() {
    }

    public static Headers upstream(Headers client) {
        Set<String> named = connectionTokens(client);
        Headers.Builder out = Headers.builder();
        client.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !NOT_UPSTREAM.contains(name) && !named.contains(name)
                    && !name.startsWith("cf-aig-") && !name.startsWith("x-forwarded-")
                    && !name.startsWith("x-amzn-") && !name.startsWith("x-amz-cf-")) {
                out.add(name, value);
            }
        });
        return out.build();
    }

    public static Headers downstream(Headers provider) {
        Set<String> named = connectionTokens(provider);
        Headers.Builder out = Headers.builder();
        provider.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
                out.add(name, value);
            }
        });
        return out.build();
    }

    private static Set<String> connectionTokens(Headers headers) {
        String connection = headers.firstOrNull("connection");
        if (connection == null) {
            return Set.of();
        }
        java.util.HashSet<String> tokens = new java.util.HashSet<>();
        for (String token : connection.split(",")) {
            tokens.add(token.trim().toLowerCase(Locale.ROOT));
        }
        return tokens;
    }
}
