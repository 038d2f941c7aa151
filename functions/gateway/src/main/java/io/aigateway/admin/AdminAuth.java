package io.aigateway.admin;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.auth.Secrets;
import io.aigateway.core.Headers;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Admin API bearer-token check. Both sides are hashed before a constant-time comparison, so neither the token's
 * content nor its length leaks through timing. The token comes from GATEWAY_ADMIN_TOKEN or, on AWS, from the
 * Secrets Manager secret the template creates (read lazily, cached for five minutes).
 */
public final class AdminAuth {
    private static final long CACHE_NANOS = 5L * 60 * 1_000_000_000;

    private final Supplier<Optional<String>> tokenSource;
    private volatile byte[] expectedHash;
    private volatile long loadedAt;

    public AdminAuth(Supplier<Optional<String>> tokenSource) {
        this.tokenSource = tokenSource;
    }

    public void check(Headers headers) {
        byte[] expected = expected();
        if (expected == null) {
            throw new GatewayException(ErrorCode.ADMIN_UNAUTHORIZED,
                    "The admin API is disabled: set GATEWAY_ADMIN_TOKEN (or deploy with the template's secret).");
        }
        if (!Secrets.matches(expected, Secrets.bearer(headers.firstOrNull("authorization")))) {
            throw new GatewayException(ErrorCode.ADMIN_UNAUTHORIZED,
                    "Send the admin token as 'Authorization: Bearer <token>'.");
        }
    }

    private byte[] expected() {
        long now = System.nanoTime();
        byte[] hash = expectedHash;
        if (hash == null || now - loadedAt > CACHE_NANOS) {
            hash = tokenSource.get().map(Secrets::sha256).orElse(null);
            expectedHash = hash;
            loadedAt = now;
        }
        return hash;
    }

}
