package io.aigateway.pipeline;

import io.aigateway.budget.Settlement;
import io.aigateway.config.GatewaySettings;
import io.aigateway.config.VirtualKey;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.RequestOptions;
import io.aigateway.cost.CustomCost;
import io.aigateway.provider.Usage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the steps of one request share, besides the request itself ({@link ProxyRequest}): who is asking (set while
 * routing, before the steps run), and small typed records of what happened (cache, answer, usage, timings,
 * fallbacks). The request's log and metrics are read from here when it ends. Steps run one after another on the
 * request's thread, and a streamed answer finishes on the thread that writes it, so plain fields suffice;
 * {@link #finish()} is the one place two threads may meet.
 */
public final class RequestContext {
    private final GatewayRequest clientRequest;
    private final String logId;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final List<CompletableFuture<?>> pendingWrites = new ArrayList<>(1);
    /** Budget reservations held for this request (each provider step may add some), settled by the ingest. */
    private final List<Settlement.Entry> reservations = new ArrayList<>(0);
    /** The transport's view of the client, when it has one (see {@link ClientLink}); else null. */
    private final ClientLink client = ClientLink.current();

    private String account;
    private String gatewayId;
    private GatewaySettings settings;
    private RequestOptions options;
    private CustomCost customCost;
    private VirtualKey key;
    private boolean collectLog = true;
    private int logRetentionDays = 30;
    private ProxyRequest target;
    private boolean rateLimited;
    private int storeErrors;
    private String blockedBy;
    private final Map<String, String> annotations = new LinkedHashMap<>();

    private final CacheOutcome cache = new CacheOutcome();
    private final Answer answer = new Answer();
    private Usage usage = new Usage();
    private final Timings timings;
    private final Fallbacks fallbacks = new Fallbacks();
    private final RouteTrace routeTrace = new RouteTrace();
    private final DlpOutcome dlp = new DlpOutcome();

    public RequestContext(GatewayRequest clientRequest, String logId) {
        this.clientRequest = clientRequest;
        this.logId = logId;
        this.timings = new Timings(clientRequest == null ? System.nanoTime() : clientRequest.receivedAtNanos());
    }

    // ---------------------------------------------------------------- who is asking (set while routing)

    /** The gateway path's account and gateway id. */
    public void addressedTo(String accountLabel, String gateway) {
        this.account = accountLabel;
        this.gatewayId = gateway;
    }

    /** The gateway's settings this request runs on, with its options (cf-aig-* headers). */
    public void configure(GatewaySettings gatewaySettings, RequestOptions requestOptions, CustomCost cost) {
        this.settings = gatewaySettings;
        this.options = requestOptions;
        this.customCost = cost;
        if (gatewaySettings != null) {
            this.logRetentionDays = gatewaySettings.logRetentionDays();
            this.collectLog = requestOptions != null
                    ? requestOptions.collectLog().orElse(gatewaySettings.collectLogs()) : gatewaySettings.collectLogs();
        }
    }

    /**
     * The request carries a valid key: its identity is merged into the request's metadata, winning over the
     * client's entries of the same name, so everything keyed on metadata (logs, rollups, rate-limit rules, budgets)
     * sees an identity the client cannot forge.
     */
    public void authenticatedAs(VirtualKey validKey) {
        this.key = validKey;
        if (options != null) {
            options = options.withMetadata(validKey.identityOver(options.metadata()));
        }
    }

    /** The key the request was made with; null on gateways without authentication. */
    public VirtualKey key() {
        return key;
    }

    public String logId() {
        return logId;
    }


    /** What the client sent (for the log). */
    public GatewayRequest clientRequest() {
        return clientRequest;
    }

    public String account() {
        return account;
    }

    public String gatewayId() {
        return gatewayId;
    }

    /** Null until the settings were looked up (a request refused before that has none). */
    public GatewaySettings settings() {
        return settings;
    }

    /** The request's cf-aig-* options; null when they could not be parsed. */
    public RequestOptions options() {
        return options;
    }

    public CustomCost customCost() {
        return customCost;
    }

    public boolean collectLog() {
        return collectLog;
    }

    public int logRetentionDays() {
        return logRetentionDays;
    }

    // ---------------------------------------------------------------- what is being sent

    /** The last request a step proceeded with: what the provider was (or would have been) sent. */
    public ProxyRequest target() {
        return target;
    }

    void target(ProxyRequest request) {
        this.target = request;
    }

    /** The provider slug named by the request, even when it was refused before routing finished. */
    public String provider() {
        return target != null && target.route() != null ? target.provider() : providerNamed;
    }

    private String providerNamed;

    /** The provider the path names, before its route is parsed (so refusals still name it). */
    public void providerNamed(String slug) {
        this.providerNamed = slug;
    }

    // ---------------------------------------------------------------- what happened

    public CacheOutcome cache() {
        return cache;
    }

    public Answer answer() {
        return answer;
    }

    public Usage usage() {
        return usage;
    }

    /** The usage read from the answer as it flows (a provider call's tap, or a cached answer's). */
    public void usage(Usage read) {
        this.usage = read;
    }

    public Timings timings() {
        return timings;
    }

    public Fallbacks fallbacks() {
        return fallbacks;
    }

    /** The OpenAI-compatible endpoint's model as asked, and the dynamic route a request went through. */
    public RouteTrace routeTrace() {
        return routeTrace;
    }

    /** What data protection found and did. */
    public DlpOutcome dlp() {
        return dlp;
    }

    public boolean rateLimited() {
        return rateLimited;
    }

    public void markRateLimited() {
        rateLimited = true;
    }

    /** Store failures this request met (and got past: fail-open reads and writes). */
    public int storeErrors() {
        return storeErrors;
    }

    public void storeError() {
        storeErrors++;
    }

    /** Who refused the request or its answer ({@code plugin:<name>}, {@code hook:<id>}), for the log. */
    public String blockedBy() {
        return blockedBy;
    }

    public void blockedBy(String by) {
        this.blockedBy = by;
    }

    /** Short notes plug-ins and hooks attach to the request's log (bounded by them; later notes win). */
    public Map<String, String> annotations() {
        return Collections.unmodifiableMap(annotations);
    }

    public void annotate(Map<String, String> notes) {
        annotations.putAll(notes);
    }

    /** A fallback step starts: the previous step's cache outcome is not this one's. */
    public void nextFallbackStep(int step) {
        cache.reset();
        fallbacks.trying(step);
    }

    /** A budget reservation now held on a bucket (see the spend package): its record must carry it. */
    public synchronized void reserved(Settlement.Entry reservation) {
        reservations.add(reservation);
    }

    public synchronized List<Settlement.Entry> reservations() {
        return List.copyOf(reservations);
    }

    /** A store write started for this request (a cache entry) that the Lambda transport must wait for. */
    public synchronized void addPendingWrite(CompletableFuture<?> write) {
        pendingWrites.add(write);
    }

    public synchronized CompletableFuture<Void> pendingWrites() {
        return CompletableFuture.allOf(pendingWrites.toArray(CompletableFuture[]::new));
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
        timings.end();
        return true;
    }
}
