package io.aigateway.sigv4;

import io.aigateway.core.GatewayResponse;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;

/**
 * A provider step before the cache: when the gateway signs a Bedrock request itself ({@link BedrockCredentials}),
 * the client's own signature fields are dropped here, so they neither reach Bedrock nor enter the cache key (a
 * signature changes with every request: kept, it would make every Bedrock answer a cache miss).
 */
public final class ClientSignatureStep implements Interceptor {
    private final BedrockCredentials credentials;

    public ClientSignatureStep(BedrockCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        ProxyRequest request = chain.request();
        if (request.route() == null || !BedrockCredentials.PROVIDER.equals(request.route().provider().slug())
                || credentials.held(chain.context(), request.http().headers()).isEmpty()) {
            return chain.proceed(request);
        }
        return chain.proceed(request.withHttp(ClientSignature.withHeaders(request.http(),
                ClientSignature.without(request.http().headers()))));
    }
}
