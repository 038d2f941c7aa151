package io.aigateway.byok;

import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.Provider;

import java.util.List;
import java.util.Optional;

/**
 * A provider step, just before the provider call: on a gateway with authentication on, puts the stored key for the
 * provider (alias {@code cf-aig-byok-alias}, default {@code default}) into that provider's own key header.
 * <ul>
 *   <li>{@code client_provider_keys: allow} (default): a key the client sends in that header is used as it is; a
 *       stored key fills in when the client sends none.</li>
 *   <li>{@code deny}: every provider credential the client sends is dropped and the stored key is used; with none
 *       stored, the request is refused (400) rather than sent without a key.</li>
 * </ul>
 * It runs after the cache, so cache entries never depend on a stored key (a rotation keeps them). The injected key
 * is in the request sent upstream only: logs read the client's own request.
 */
public final class ProviderKeyStep implements Interceptor {
    /** Headers that carry a provider credential, whatever the provider (dropped under {@code deny}). */
    private static final List<String> CREDENTIAL_HEADERS = List.of("authorization", "x-api-key", "api-key",
            "x-goog-api-key");
    public static final String ALIAS_HEADER = "cf-aig-byok-alias";

    private final ProviderKeys keys;

    public ProviderKeyStep(ProviderKeys keys) {
        this.keys = keys;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        ProxyRequest request = chain.request();
        GatewaySettings settings = ex.settings();
        if (settings == null || !settings.authentication() || request.route() == null) {
            return chain.proceed(request);
        }
        Provider provider = request.route().provider();
        Provider.KeyHeader header = provider.keyHeader();
        if (header == null) {
            return chain.proceed(request);
        }
        String asked = request.http().headers().firstOrNull(ALIAS_HEADER);
        if (asked != null && !ProviderKeys.ALIAS.matcher(asked).matches()) {
            throw new GatewayException(ErrorCode.BAD_HEADER,
                    ALIAS_HEADER + " must be 1-64 letters, digits, '_' or '-' (the alias of a stored provider key).");
        }
        String alias = asked == null ? ProviderKeys.DEFAULT_ALIAS : asked;
        boolean allowClientKey = settings.governance().clientProviderKeys();
        if (allowClientKey && request.http().headers().contains(header.name()) && asked == null) {
            return chain.proceed(request); // the client's own key
        }
        Optional<String> stored;
        try {
            stored = keys.resolve(ex.gatewayId(), provider.slug(), alias, settings.governance().providerKeysVersion());
        } catch (RuntimeException storeDown) {
            ex.storeError();
            throw new GatewayException(ErrorCode.SETTINGS_UNAVAILABLE, "The stored key for provider '"
                    + provider.slug() + "' could not be read right now; try again.");
        }
        if (stored.isEmpty()) {
            if (!allowClientKey || asked != null) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, "Gateway '" + ex.gatewayId()
                        + "' has no stored key for provider '" + provider.slug() + "' under alias '" + alias
                        + "'. Store one with PUT /api/v1/gateways/" + ex.gatewayId() + "/provider-keys/"
                        + provider.slug() + "/" + alias + (allowClientKey ? "." : ", or allow client keys "
                        + "(client_provider_keys: allow)."));
            }
            return chain.proceed(request);
        }
        Headers.Builder h = request.http().headers().toBuilder();
        CREDENTIAL_HEADERS.forEach(h::remove);
        h.remove(header.name());
        h.set(header.name(), header.value(stored.get()));
        GatewayRequest http = request.http();
        return chain.proceed(request.withHttp(new GatewayRequest(http.method(), http.rawPath(), http.rawQuery(),
                h.build(), http.body(), http.clientIp(), http.receivedAtMillis(), http.receivedAtNanos())));
    }
}
