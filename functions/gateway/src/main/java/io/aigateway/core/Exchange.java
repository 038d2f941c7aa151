package io.aigateway.core;

import io.aigateway.config.GatewaySettings;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.provider.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything known about one proxied request while it passes through the pipeline; the request log and the metrics
 * document are both read from here when it ends. Steps run one after another on the request's thread, and a
 * streamed body finishes on the thread that writes it, so plain fields suffice; {@link #finish()} is the one
 * place two threads may meet.
 */
public final class Exchange {
    private final GatewayRequest clientRequest;
    private GatewayRequest request;
    private final String logId;
    private final AtomicBoolean finished = new AtomicBoolean();

    public String account;
    public String gatewayId;
    public ProxyRoute route;
    public String providerSlug;
    public String model;
    public boolean streamRequested;
    public RequestOptions options;
    public GatewaySettings settings;
    public boolean collectLog = true;
    public int logRetentionDays = 30;

    /** Cache outcome: null when the request was not cacheable, else HIT or MISS. */
    public String cacheStatus;
    /** Why a response was not stored in the cache (for example "too_large"), for the log. */
    public String cacheNote;
    public boolean rateLimited;
    /** Universal endpoint: the step that answered, and the steps that failed before it. */
    public Integer step;
    public final List<Integer> failedSteps = new ArrayList<>();
    public int storeErrors;
    /** A synthetic request run before a SnapStart snapshot: no provider call, nothing written or emitted. */
    public boolean priming;
    /** USD; null when the price is unknown. A cache hit costs 0 and records what it saved. */
    public Double cost;
    /** Parsed cf-aig-custom-cost; null when absent. */
    public io.aigateway.cost.CustomCost customCost;
    public Double costSaved;
    /** On a cache hit: what the cached answer's original request cost, when the entry knows it. */
    public Double cachedOriginalCost;
    public boolean costEstimated;
    /** Set by the universal endpoint for its current step (the step's own config); else taken from headers. */
    public io.aigateway.upstream.RetryPolicy retryPolicy;
    private final List<CompletableFuture<?>> pendingWrites = new ArrayList<>(1);

    public int status;
    public ErrorCode error;
    public String errorMessage;
    public boolean clientGone;
    public boolean upstreamBroken;
    public int attempts;

    public long upstreamStartNanos;
    public long firstByteNanos;
    public long endNanos;

    public Usage usage = new Usage();
    public long responseBytes;
    /** The first bytes of the response (up to the capture limit), for the log's head and stored body. */
    public byte[] responseHead = new byte[0];
    public String responseContentType;

    public Exchange(GatewayRequest request, String logId) {
        this.clientRequest = request;
        this.request = request;
        this.logId = logId;
    }

    /** What goes to the provider: the client's request, or the current step's of a universal request. */
    public GatewayRequest request() {
        return request;
    }

    /** What the client sent (for the log). */
    public GatewayRequest clientRequest() {
        return clientRequest;
    }

    /** The universal endpoint sends each step's own request. */
    public void useRequest(GatewayRequest stepRequest) {
        this.request = stepRequest;
    }

    public String logId() {
        return logId;
    }

    public boolean cached() {
        return "HIT".equals(cacheStatus);
    }

    /** A store write started for this request (a cache entry) that the Lambda transport must wait for. */
    public synchronized void addPendingWrite(CompletableFuture<?> write) {
        pendingWrites.add(write);
    }

    public synchronized CompletableFuture<Void> pendingWrites() {
        return CompletableFuture.allOf(pendingWrites.toArray(CompletableFuture[]::new));
    }

    public boolean success() {
        return error == null && !upstreamBroken && status >= 200 && status < 400;
    }

    public long durationMillis() {
        return millisSinceReceived(endNanos);
    }

    public long millisSinceReceived(long nanos) {
        return nanos == 0 ? -1 : Math.max(0, (nanos - clientRequest.receivedAtNanos()) / 1_000_000);
    }

    public long upstreamMillis() {
        return upstreamStartNanos == 0 || endNanos == 0 ? -1 : (endNanos - upstreamStartNanos) / 1_000_000;
    }

    public void markFirstByte() {
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }

    /** True for the first caller only: the request's record is written exactly once. */
    public boolean finish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        endNanos = System.nanoTime();
        if (firstByteNanos == 0) {
            firstByteNanos = endNanos;
        }
        return true;
    }
}
