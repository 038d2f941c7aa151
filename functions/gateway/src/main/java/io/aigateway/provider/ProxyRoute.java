package io.aigateway.provider;

import java.net.URI;

/**
 * A parsed gateway path: {@code /v1/{account}/{gateway}/{provider}/{rest}}.
 *
 * @param restPath    the provider-native path, still percent-encoded, after any segments the provider consumed
 * @param upstreamUri base URL + rest + query: the only place this request may go
 */
public record ProxyRoute(String account, String gatewayId, Provider provider, String restPath, URI upstreamUri) {
}
