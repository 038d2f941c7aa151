package io.aigateway.provider;

import java.net.URI;
import java.util.Map;

/**
 * A parsed gateway path: {@code /v1/{account}/{gateway}/{provider}/{rest}}.
 *
 * @param restPath    the provider-native path, still percent-encoded, after any segments the provider consumed
 * @param upstreamUri base URL + rest + query: the only place this request may go
 * @param hostParams  the values that filled the base template ({@code account}; Bedrock's {@code service} and
 *                    {@code region} from the path, as validated), whatever upstream override replaced the host
 */
public record ProxyRoute(String account, String gatewayId, Provider provider, String restPath, URI upstreamUri,
                         Map<String, String> hostParams) {
    public ProxyRoute {
        hostParams = Map.copyOf(hostParams);
    }

    public ProxyRoute(String account, String gatewayId, Provider provider, String restPath, URI upstreamUri) {
        this(account, gatewayId, provider, restPath, upstreamUri, Map.of());
    }
}
