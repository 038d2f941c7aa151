package io.aigateway.core;

import io.aigateway.config.GatewaySettings;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.provider.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

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
    /** The transport's view of the client, when it has one (see {@link ClientLink}); else null. */
    private final ClientLink client = ClientLink.OPEN.get();

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
    public long upstreamHeadersNanos;
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

    /** True once the transport saw this request's client leave (only transports with a {@link ClientLink} can). */
    public boolean clientLeft() {
        return client != null && client.hasLeft();
    }

    /**
     * Registers how to stop work done only for this client (an in-flight provider call) if the client leaves; it
     * runs at once, on this thread, if the client has already left, else on the transport's. Returns the
     * deregistration, to run when the work is over. Without a {@link ClientLink} nothing ever runs.
     */
    public Runnable onClientLeaving(Runnable stop) {
        return client == null ? () -> { } : client.onLeave(stop);
    }

    /** Waits {@code millis} (a retry delay), or less if the client leaves meanwhile; true when it left. */
    public boolean waitUnlessClientLeaves(long millis) throws InterruptedException {
        if (client == null) {
            Thread.sleep(millis);
            return false;
        }
        return client.awaitLeave(millis);
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

    /**
     * How a transport that can tell when its client disconnects (the HTTP server) lets the pipeline stop work for a
     * client who left: it opens a link per request and runs {@code Gateway.handle} inside {@link #during}, so every
     * {@link Exchange} made for that request on that thread holds the link; when the client leaves, the transport
     * calls {@link #left()}, which runs the stop actions registered through {@link Exchange#onClientLeaving} (the
     * upstream call's cancel). A transport without one (the buffered Lambda handler) changes nothing.
     */
    public static final class ClientLink {
        private static final ThreadLocal<ClientLink> OPEN = new ThreadLocal<>();

        private final CountDownLatch left = new CountDownLatch(1);
        private final List<Runnable> onLeave = new ArrayList<>(1); // guarded by this

        /** Runs {@code work} (the gateway's handling of one request) with this link open on the current thread. */
        public <T> T during(Supplier<T> work) {
            ClientLink outer = OPEN.get();
            OPEN.set(this);
            try {
                return work.get();
            } finally {
                if (outer == null) {
                    OPEN.remove();
                } else {
                    OPEN.set(outer);
                }
            }
        }

        /** The client disconnected: runs every registered stop action, once. Any thread; idempotent. */
        public void left() {
            List<Runnable> actions;
            synchronized (this) {
                if (left.getCount() == 0) {
                    return;
                }
                left.countDown();
                actions = List.copyOf(onLeave);
                onLeave.clear();
            }
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(Exchange.class).warn("stopping work for a client that left failed", e);
                }
            }
        }

        public boolean hasLeft() {
            return left.getCount() == 0;
        }

        Runnable onLeave(Runnable action) {
            synchronized (this) {
                if (left.getCount() != 0) {
                    onLeave.add(action);
                    return () -> {
                        synchronized (this) {
                            onLeave.remove(action);
                        }
                    };
                }
            }
            action.run();
            return () -> { };
        }

        boolean awaitLeave(long millis) throws InterruptedException {
            return left.await(millis, TimeUnit.MILLISECONDS);
        }
    }
}
