package io.aigateway.auth;

import io.aigateway.config.VirtualKey;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;

/**
 * A provider step (the first): the request's key must allow the provider and the model actually being sent, the
 * {@link ProxyRequest}'s own (after routing; per step on the universal endpoint), so no route bypasses the check.
 * It runs before the cache, so a disallowed model is not answered from the cache either. A key restricted to some
 * models refuses a request whose model cannot be read (the message says so). 403, code 2044.
 */
public final class KeyPolicyStep implements Interceptor {

    @Override
    public GatewayResponse intercept(Chain chain) {
        VirtualKey key = chain.context().key();
        ProxyRequest request = chain.request();
        if (key != null) {
            String provider = request.provider();
            if (!key.allowsProvider(provider)) {
                throw new GatewayException(ErrorCode.KEY_NOT_ALLOWED, "The " + AuthStep.describe(key)
                        + " may not call provider '" + provider + "'; it allows " + key.allowedProviders() + ".");
            }
            if (!key.allowsModel(request.model())) {
                throw new GatewayException(ErrorCode.KEY_NOT_ALLOWED, request.model() == null
                        ? "The " + AuthStep.describe(key) + " is limited to models " + key.allowedModels()
                                + " and this request names no model the gateway can read."
                        : "The " + AuthStep.describe(key) + " may not use model '" + request.model()
                                + "'; it allows " + key.allowedModels() + ".");
            }
        }
        return chain.proceed(request);
    }
}
