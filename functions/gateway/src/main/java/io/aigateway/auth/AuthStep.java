package io.aigateway.auth;

import io.aigateway.config.VirtualKey;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;

/**
 * First step: on a gateway with {@code authentication: true}, a request must carry
 * {@code cf-aig-authorization: Bearer <gateway token>}. A valid token's key becomes the request's caller
 * ({@link RequestContext#authenticatedAs}: its identity wins over the client's metadata); a revoked or expired key is
 * refused with 2045. A store failure while checking refuses the request (an authenticated gateway never fails open),
 * and so does a token this instance has not seen while it is already checking too many unknown tokens
 * ({@link GatewayTokens.LookupsExhausted}: no store read is made for it).
 */
public final class AuthStep implements Interceptor {
    private final GatewayTokens tokens;

    public AuthStep(GatewayTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        if (!ex.settings().authentication()) {
            return chain.proceed(chain.request());
        }
        String token = Secrets.bearer(chain.request().http().headers().firstOrNull("cf-aig-authorization"));
        if (token == null) {
            throw new GatewayException(ErrorCode.GATEWAY_UNAUTHORIZED, "Gateway '" + ex.gatewayId()
                    + "' requires authentication: send 'cf-aig-authorization: Bearer <gateway token>'.");
        }
        GatewayTokens.Check check;
        try {
            check = tokens.check(ex.gatewayId(), token);
        } catch (GatewayTokens.LookupsExhausted busy) {
            throw new GatewayException(ErrorCode.GATEWAY_UNAUTHORIZED,
                    "The gateway token could not be checked right now (too many unknown tokens); try again.");
        } catch (RuntimeException storeDown) {
            ex.storeError();
            throw new GatewayException(ErrorCode.GATEWAY_UNAUTHORIZED,
                    "The gateway token could not be checked right now; try again.");
        }
        switch (check) {
            case GatewayTokens.Check.Invalid invalid -> throw new GatewayException(ErrorCode.GATEWAY_UNAUTHORIZED,
                    "The gateway token is not valid for gateway '" + ex.gatewayId() + "' (deleted or mistyped).");
            case GatewayTokens.Check.Refused refused -> throw new GatewayException(ErrorCode.KEY_EXPIRED,
                    "The key '" + refused.key().name() + "' (id " + refused.key().id() + ") of gateway '"
                            + ex.gatewayId() + "' " + refused.reason() + ": ask an admin for a new key.");
            case GatewayTokens.Check.Valid valid -> ex.authenticatedAs(valid.key());
        }
        return chain.proceed(chain.request());
    }

    /** The key's name for messages (never its secret). */
    static String describe(VirtualKey key) {
        return "key '" + key.name() + "' (id " + key.id() + ")";
    }
}
