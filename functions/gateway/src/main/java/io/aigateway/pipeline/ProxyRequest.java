package io.aigateway.pipeline;

import io.aigateway.config.RetryPolicy;
import io.aigateway.core.GatewayRequest;
import io.aigateway.provider.ProxyRoute;

/**
 * A request on its way to a provider: immutable. Steps that change it (a universal step, a plug-in rewriting the
 * body) proceed with a copy.
 *
 * @param http   what the provider is sent: method, path, headers and body (the client's, or a universal step's)
 * @param route  where it goes; null on the universal endpoint before a step is chosen
 * @param model  the model asked for (body or path); null when none is named
 * @param stream whether a streamed answer was asked for
 * @param retry  retries and timeout for this request; null: from the request's headers and the gateway settings
 */
public record ProxyRequest(GatewayRequest http, ProxyRoute route, String model, boolean stream, RetryPolicy retry) {

    /** The provider slug, or null before a route is chosen. */
    public String provider() {
        return route == null ? null : route.provider().slug();
    }

    public ProxyRequest withHttp(GatewayRequest newHttp) {
        return new ProxyRequest(newHttp, route, model, stream, retry);
    }

    public ProxyRequest withBody(byte[] body) {
        GatewayRequest h = http;
        return withHttp(new GatewayRequest(h.method(), h.rawPath(), h.rawQuery(), h.headers(), body, h.clientIp(),
                h.receivedAtMillis(), h.receivedAtNanos()));
    }
}
