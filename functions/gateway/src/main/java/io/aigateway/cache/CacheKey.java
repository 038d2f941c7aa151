package io.aigateway.cache;

import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Hashing;
import io.aigateway.core.Headers;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

/**
 * Where a cached response lives: {@code pk = CACHE#{gateway}#{hex}}, where {@code hex} is a SHA-256.
 *
 * <p>The default key hashes, each field length-prefixed: the provider slug, the HTTP method, the full upstream URL
 * (host, the endpoint's rest path and query), the model, a SHA-256 of the provider auth headers (so callers with
 * different API keys never share an entry), the few request headers that change a provider's answer
 * ({@link #VARY}), the stream flag (streamed and non-streamed answers are kept apart) and the request body bytes.
 * {@code cf-aig-*} headers, metadata included, are never part of it.
 *
 * <p>A {@code cf-aig-cache-key} replaces the request's own fields (path, model, body...): the entry is shared by
 * every request of the gateway carrying the same key and stream flag, whatever its body, but only for the same
 * provider and the same provider credentials ({@link #credentialDigest}: the auth headers and credential query
 * parameters), so a caller without the key (or with another key, or on another provider) never reads it. A gateway
 * with {@code cache_key_shared: true} drops that scope ({@link #custom(String, String, boolean)}).
 */
public record CacheKey(String gatewayId, String hex, boolean stream) {
    private static final String VERSION = "aigw-cache-v1";
    /** Provider credentials: hashed into the key, never stored. */
    static final List<String> AUTH_HEADERS = List.of("authorization", "x-api-key", "api-key", "x-goog-api-key");
    /** Query parameters that carry a provider credential (Google's {@code ?key=}, a few others'). */
    static final List<String> AUTH_QUERY = List.of("key", "api_key", "api-key", "apikey", "access_token");
    /** Request headers that select a different API version or feature set, and so a different answer. */
    static final List<String> VARY = List.of("anthropic-version", "anthropic-beta", "openai-beta",
            "openai-organization", "openai-project");

    public String pk() {
        return "CACHE#" + gatewayId + "#" + hex;
    }

    /** The default key of a proxied request (direct, or one step of the universal endpoint). */
    public static CacheKey of(String gatewayId, ProxyRequest proxied) {
        GatewayRequest request = proxied.http();
        Hasher h = new Hasher();
        h.field(VERSION).field("default");
        h.field(proxied.route().provider().slug());
        h.field(request.method());
        h.field(proxied.route().upstreamUri().toString());
        h.field(proxied.route().restPath());
        h.field(request.rawQuery());
        h.field(proxied.model() == null ? "" : proxied.model());
        h.field(authDigest(request.headers()));
        for (String name : VARY) {
            h.field(name).field(String.join("\n", request.headers().all(name)));
        }
        h.field(proxied.stream() ? "stream" : "whole");
        h.field(request.body());
        return new CacheKey(gatewayId, h.hex(), proxied.stream());
    }

    /**
     * The key of a request carrying {@code cf-aig-cache-key}: scoped to the provider and the caller's provider
     * credentials unless the gateway shares custom keys ({@code cache_key_shared}).
     */
    public static CacheKey custom(String gatewayId, ProxyRequest proxied, String key, boolean shared) {
        if (shared) {
            return custom(gatewayId, key, proxied.stream());
        }
        GatewayRequest request = proxied.http();
        return custom(gatewayId, key, proxied.stream(), proxied.route().provider().slug(), request.headers(),
                request.rawQuery());
    }

    /**
     * A {@code cf-aig-cache-key} scoped to one provider and one set of provider credentials: requests with another
     * key, with none, or to another provider never share the entry.
     */
    public static CacheKey custom(String gatewayId, String key, boolean stream, String provider, Headers headers,
                                  String rawQuery) {
        Hasher h = new Hasher();
        h.field(VERSION).field("custom-scoped").field(provider).field(credentialDigest(headers, rawQuery))
                .field(key).field(stream ? "stream" : "whole");
        return new CacheKey(gatewayId, h.hex(), stream);
    }

    /**
     * A shared {@code cf-aig-cache-key} ({@code cache_key_shared: true}): scoped by gateway and stream flag only,
     * whatever the provider or the credentials.
     */
    public static CacheKey custom(String gatewayId, String key, boolean stream) {
        Hasher h = new Hasher();
        h.field(VERSION).field("custom").field(key).field(stream ? "stream" : "whole");
        return new CacheKey(gatewayId, h.hex(), stream);
    }

    /**
     * SHA-256 over the provider credentials a request carries: its auth headers ({@link #authDigest}) and the
     * credential query parameters ({@link #AUTH_QUERY}, names decoded and lower-cased, values as sent).
     */
    static byte[] credentialDigest(Headers headers, String rawQuery) {
        MessageDigest d = Hashing.sha256();
        d.update(authDigest(headers));
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                try {
                    name = URLDecoder.decode(name, StandardCharsets.UTF_8);
                } catch (IllegalArgumentException badEncoding) {
                    // hashed as sent
                }
                if (AUTH_QUERY.contains(name.toLowerCase(Locale.ROOT))) {
                    d.update(pair.getBytes(StandardCharsets.UTF_8));
                    d.update((byte) 0);
                }
            }
        }
        return d.digest();
    }

    /** SHA-256 over every provider auth header present (name and value); empty input when there is none. */
    static byte[] authDigest(Headers headers) {
        MessageDigest d = Hashing.sha256();
        for (String name : AUTH_HEADERS) {
            for (String value : headers.all(name)) {
                d.update(name.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(value.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
        }
        return d.digest();
    }

    /** Length-prefixed fields, so no two different field lists hash the same bytes. */
    private static final class Hasher {
        private final MessageDigest digest = Hashing.sha256();

        Hasher field(String value) {
            return field(value.getBytes(StandardCharsets.UTF_8));
        }

        Hasher field(byte[] value) {
            int n = value.length;
            digest.update(new byte[]{(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            digest.update(value);
            return this;
        }

        String hex() {
            return Hashing.hex(digest.digest());
        }
    }
}
