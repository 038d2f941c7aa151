package io.aigateway.upstream;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;

import java.util.Locale;
import java.util.Set;

/**
 * Which header fields cross the gateway. Upstream: everything the client sent except hop-by-hop fields, fields
 * naming this hop (Host, forwarding and Lambda fields), the client's cookies and every {@code cf-aig-*} field;
 * provider auth headers pass untouched, and so do Bedrock's own {@code x-amzn-bedrock-*} request fields (boto3
 * signs them). {@code Accept-Encoding} is dropped so providers answer uncompressed and usage can be read on the fly.
 * A field whose name is not an HTTP token, or whose value holds CR, LF or NUL, is refused (2005), never repaired.
 */
public final class HeaderPolicy {
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
            "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "expect");
    /** The client's cookies are for the gateway's origin, never for a provider. */
    private static final Set<String> NOT_UPSTREAM = Set.of(
            "accept-encoding", "forwarded", "x-real-ip", "cookie", "cookie2");
    /** Request fields of Bedrock's API (trace, guardrail, performance config, service tier...), signed by SigV4. */
    private static final String BEDROCK_FIELDS = "x-amzn-bedrock-";

    private HeaderPolicy() {
    }

    public static Headers upstream(Headers client) {
        Set<String> named = connectionTokens(client);
        Headers.Builder out = Headers.builder();
        client.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name) && !NOT_UPSTREAM.contains(name) && !named.contains(name)
                    && !name.startsWith("cf-aig-") && !name.startsWith("x-forwarded-")
                    && (!name.startsWith("x-amzn-") || name.startsWith(BEDROCK_FIELDS))
                    && !name.startsWith("x-amz-cf-")) {
                checkField(name, value);
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

    /**
     * RFC 9110 section 5.5: a recipient of CR, LF or NUL in a field value must reject the message or replace them;
     * the gateway rejects, so a value can never turn into two fields anywhere down the line.
     */
    private static void checkField(String name, String value) {
        if (!Headers.isToken(name)) {
            throw new GatewayException(ErrorCode.BAD_HEADER, "Header name '" + Headers.printable(name)
                    + "' is not a valid HTTP field name.");
        }
        if (!Headers.isSafeValue(value)) {
            throw new GatewayException(ErrorCode.BAD_HEADER, "Header '" + Headers.printable(name)
                    + "' holds a CR, LF or NUL character; field values must be on one line.");
        }
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
