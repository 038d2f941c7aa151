package io.aigateway.upstream;

import io.aigateway.config.RetryPolicy;
import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.RequestOptions;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.UsageTap;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The last step: the call to the provider, with retries. Only failures before any response byte is passed on are
 * retried (the response is returned to the client only once an attempt is final), so a client never sees two
 * answers spliced together.
 */
public final class UpstreamStep implements Interceptor {
    /** Bodies larger than this are still proxied, but their usage is not parsed. */
    private static final int MAX_USAGE_JSON = 8 * 1024 * 1024;


    private final UpstreamClient client;
    private final int captureBytes;

    /** @param captureBytes how much of each response is kept for its log record */
    public UpstreamStep(UpstreamClient client, int captureBytes) {
        this.client = client;
        this.captureBytes = captureBytes;
    }

    public static RetryPolicy policy(RequestOptions options, GatewaySettings settings) {
        return new RetryPolicy(
                options.maxAttempts().orElse(settings.retryMaxAttempts()),
                options.retryDelay().orElse(settings.retryDelay()),
                options.backoff().orElse(settings.retryBackoff()),
                options.requestTimeout().orElse(Duration.ofMillis(settings.requestTimeout())));
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext exchange = chain.context();
        ProxyRequest proxied = chain.request();
        GatewayRequest request = proxied.http();
        RetryPolicy policy = proxied.retry() != null ? proxied.retry() : policy(exchange.options(), exchange.settings());
        Headers upstreamHeaders = HeaderPolicy.upstream(request.headers());
        exchange.timings().upstreamStarted();
        for (int attempt = 1; ; attempt++) {
            leaveIfClientLeft(exchange); // nobody to answer: no (further) provider call
            exchange.answer().attempt();
            UpstreamClient.UpstreamResponse response;
            try {
                response = client.send(request.method(), proxied.route().upstreamUri(), upstreamHeaders,
                        request.body(), policy.timeout(), exchange::onClientLeaving);
            } catch (GatewayException failure) {
                leaveIfClientLeft(exchange);
                long wait = attempt < policy.maxAttempts() ? policy.delayBefore(attempt + 1, null) : -1;
                if (wait < 0 || !retryable(failure.code())) {
                    throw failure;
                }
                sleep(exchange, wait);
                continue;
            }
            if (attempt < policy.maxAttempts() && RetryPolicy.retryableStatus(response.status())) {
                long wait = policy.delayBefore(attempt + 1, response.headers().firstOrNull("retry-after"));
                if (wait >= 0) {
                    response.cancel();
                    sleep(exchange, wait);
                    continue;
                }
            }
            exchange.answer().status(response.status());
            Headers headers = HeaderPolicy.downstream(response.headers());
            exchange.answer().contentType(headers.firstOrNull("content-type"));
            UsageTap tap = UsageTap.forContentType(headers.firstOrNull("content-type"), MAX_USAGE_JSON, request.body());
            tap.usage().offerHeaders(response.headers()::firstOrNull); // Bedrock InvokeModel's token-count headers
            return new GatewayResponse(response.status(), headers,
                    new ProxiedBody(response, tap, exchange, captureBytes), new CompletableFuture<>());
        }
    }

    private static boolean retryable(ErrorCode code) {
        return code == ErrorCode.UPSTREAM_UNREACHABLE || code == ErrorCode.UPSTREAM_TIMEOUT;
    }

    /**
     * The server transport saw the client disconnect (see {@code ClientLink}): the request ends here, logged
     * as {@code client_disconnected}; 502 (retryable) so the universal endpoint's later steps end here too.
     */
    private static void leaveIfClientLeft(RequestContext exchange) {
        if (exchange.clientLeft()) {
            exchange.answer().clientGone(true);
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE,
                    "The client left before the provider answered; the provider call was cancelled.");
        }
    }

    private static void sleep(RequestContext exchange, long millis) {
        try {
            exchange.waitUnlessClientLeaves(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE, "The request was cancelled while waiting to retry.");
        }
        leaveIfClientLeft(exchange);
    }
}
