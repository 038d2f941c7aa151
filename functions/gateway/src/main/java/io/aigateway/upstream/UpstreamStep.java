package io.aigateway.upstream;

import io.aigateway.core.Exchange;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Interceptor;
import io.aigateway.provider.UsageTap;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The last step: one call to the provider, its response passed back as a stream. */
public final class UpstreamStep implements Interceptor {
    /** Bodies larger than this are still proxied, but their usage is not parsed. */
    private static final int MAX_USAGE_JSON = 8 * 1024 * 1024;

    private final UpstreamClient client;
    private final Duration defaultTimeout;
    private final int logBodyBytes;

    public UpstreamStep(UpstreamClient client, Duration defaultTimeout, int logBodyBytes) {
        this.client = client;
        this.defaultTimeout = defaultTimeout;
        this.logBodyBytes = logBodyBytes;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        Exchange exchange = chain.exchange();
        GatewayRequest request = exchange.request();
        Duration timeout = exchange.options.requestTimeout().orElse(defaultTimeout);
        exchange.upstreamStartNanos = System.nanoTime();
        exchange.attempts++;
        UpstreamClient.UpstreamResponse response = client.send(request.method(), exchange.route.upstreamUri(),
                HeaderPolicy.upstream(request.headers()), request.body(), timeout);
        exchange.upstreamHeadersNanos = System.nanoTime();
        exchange.status = response.status();
        Headers headers = HeaderPolicy.downstream(response.headers());
        UsageTap tap = UsageTap.forContentType(headers.firstOrNull("content-type"), MAX_USAGE_JSON);
        return new GatewayResponse(response.status(), headers, new ProxiedBody(response, tap, exchange, logBodyBytes),
                new CompletableFuture<>());
    }
}
