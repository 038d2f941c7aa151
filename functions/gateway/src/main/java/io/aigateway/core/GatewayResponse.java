package io.aigateway.core;

import java.util.concurrent.CompletableFuture;

/**
 * What a transport sends back. {@code recorded} completes when the request's log record and metrics are written:
 * the HTTP server transport ignores it (the client never waits for the log); the Lambda transport joins it before
 * returning, because a frozen Lambda would lose the write.
 */
public record GatewayResponse(int status, Headers headers, ResponseBody body, CompletableFuture<Void> recorded) {

    public static GatewayResponse of(int status, Headers headers, ResponseBody body) {
        return new GatewayResponse(status, headers, body, CompletableFuture.completedFuture(null));
    }

    public GatewayResponse withHeaders(Headers newHeaders) {
        return new GatewayResponse(status, newHeaders, body, recorded);
    }

    public GatewayResponse withBody(ResponseBody newBody, CompletableFuture<Void> newRecorded) {
        return new GatewayResponse(status, headers, newBody, newRecorded);
    }
}
