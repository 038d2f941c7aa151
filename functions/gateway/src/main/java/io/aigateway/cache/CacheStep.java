package io.aigateway.cache;

import io.aigateway.config.GatewaySettings;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.ResponseBody;
import io.aigateway.provider.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * The cache step, between the rate limiter and the provider call.
 * <ul>
 *   <li>HIT: the provider is not called; the stored status, headers and body are returned as they first went out
 *       (a server-sent-events answer byte for byte, as {@code text/event-stream}), with
 *       {@code cf-aig-cache-status: HIT}; the log and metrics say cached, with the tokens the answer carried.</li>
 *   <li>MISS: the request proceeds ({@code cf-aig-cache-status: MISS}). A 2xx answer is copied while it passes
 *       through to the client, and stored once it ended cleanly: a stream only after its terminal event, never
 *       when the client left or the provider broke off. The table write runs in the background and is
 *       registered with the exchange, so the Lambda transport waits for it before returning.</li>
 *   <li>Concurrent identical misses on this instance ({@link CacheStore#claim}): the first leads (table read,
 *       provider call, store); the others wait, at most their request timeout, for its entry and answer as HITs
 *       from it. When the leader stores nothing (an error status, too large, a stream cut short) or is too slow,
 *       each of them calls the provider itself. The entry is in memory before the flight ends, and the flight ends
 *       before the transport ends the response, so an identical request sent the moment the answer (or a stream's
 *       terminal event) arrived is a HIT.</li>
 *   <li>{@code cf-aig-cache-key}: scoped to the provider and the caller's provider credentials, unless the
 *       gateway's {@code cache_key_shared} is on ({@link CacheKey#custom(String, ProxyRequest, String, boolean)}).</li>
 * </ul>
 * A failed read is a miss (counted in {@code StoreErrors}); a failed write is counted, never thrown. Why an answer
 * was not stored goes to the log's {@code cache_note}: {@value #TOO_LARGE} (its gzip form does not fit a DynamoDB
 * item), {@value #STREAM_INCOMPLETE} (the stream ended without its terminal event, or with an error event).
 */
public final class CacheStep implements Interceptor {
    private static final Logger LOG = LoggerFactory.getLogger(CacheStep.class);
    public static final String STATUS_HEADER = "cf-aig-cache-status";
    public static final String TOO_LARGE = "too_large";
    public static final String STREAM_INCOMPLETE = "stream_incomplete";
    /**
     * Response headers stored and replayed: what a client parses (content type and encoding) and the provider's
     * ids the official SDKs expose. Never cookies, auth, rate-limit counters (stale on a hit) or lengths.
     */
    static final Set<String> REPLAYED = Set.of("content-type", "content-encoding", "content-language",
            "x-request-id", "request-id", "openai-model", "openai-organization", "openai-project", "openai-version",
            "openai-processing-ms", "anthropic-organization-id");

    /** Told about every cache write that failed (wire it to the StoreErrors metric). */
    @FunctionalInterface
    public interface WriteFailureListener {
        void writeFailed(String gatewayId, String provider, String model);
    }

    private final CacheStore store;
    private final Executor background;
    private final WriteFailureListener onWriteFailure;

    public CacheStep(CacheStore store, ExecutorService background) {
        this(store, background, (gateway, provider, model) -> { });
    }

    public CacheStep(CacheStore store, ExecutorService background, WriteFailureListener onWriteFailure) {
        this.store = store;
        this.background = background;
        this.onWriteFailure = onWriteFailure;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        ProxyRequest request = chain.request();
        GatewaySettings settings = ex.settings();
        CachePolicy policy = CachePolicy.of(request.http().method(), request.http().headers(), settings);
        if (!policy.cacheable() || request.route() == null || ex.gatewayId() == null) {
            return chain.proceed(request);
        }
        CacheKey key = policy.customKey() != null
                ? CacheKey.custom(ex.gatewayId(), request, policy.customKey(),
                        settings != null && settings.cacheKeyShared())
                : CacheKey.of(ex.gatewayId(), request);
        CacheStore.Lookup found = store.peekMemory(key);
        CacheStore.Flight flight = null;
        if (!found.hit()) {
            CacheStore.Claim claim = store.claim(key);
            if (claim.leader()) {
                flight = claim.flight();
                found = store.get(key); // memory again (a flight may have landed just before), then the table
                if (found.hit()) {
                    flight.land(found.entry());
                    flight = null;
                }
            } else {
                // an identical miss is being answered here: wait for its entry rather than call the provider too
                CacheEntry shared = claim.flight().await(followerWaitMillis(ex, request));
                if (shared != null) {
                    return hit(ex, shared);
                }
                // the leader stores nothing (error, too large, cut short) or is too slow: ask the provider ourselves
            }
        }
        if (found.failed()) {
            ex.storeError();
        }
        if (found.hit()) {
            return hit(ex, found.entry());
        }
        ex.cache().markMiss();
        GatewayResponse response;
        try {
            response = chain.proceed(request);
        } catch (RuntimeException | Error e) {
            land(flight, null);
            throw e;
        }
        GatewayResponse tagged = response.withHeaders(response.headers().toBuilder().set(STATUS_HEADER, "MISS").build());
        int status = response.status();
        if (status < 200 || status > 299 || status == 206) {
            land(flight, null);
            return tagged; // only successful, whole answers are cached
        }
        Pending pending = new Pending(ex, request, key, policy.ttlSeconds(), status, replayed(response.headers()),
                flight);
        return switch (response.body()) {
            case ResponseBody.Stream stream -> tagged.withBody(
                    new CapturingBody(stream, pending, response.headers().firstOrNull("content-type")),
                    response.recorded());
            case ResponseBody.Bytes bytes -> {
                byte[] data = bytes.data();
                try {
                    pending.complete(new ResponseCapture.Result(data, CacheStore.gzip(data), false, true));
                } finally {
                    pending.abandon(); // lands the flight if the line above could not (no-op once landed)
                }
                yield tagged;
            }
        };
    }

    private static void land(CacheStore.Flight flight, CacheEntry entry) {
        if (flight != null) {
            flight.land(entry);
        }
    }

    /**
     * How long a follower waits for the leader's entry: its own request timeout (the universal step's, else
     * {@code cf-aig-request-timeout}, else the gateway's {@code request_timeout}).
     */
    static long followerWaitMillis(RequestContext ex, ProxyRequest request) {
        if (request.retry() != null && request.retry().timeout() != null) {
            return request.retry().timeout().toMillis();
        }
        if (ex.options() != null && ex.options().requestTimeout().isPresent()) {
            return ex.options().requestTimeout().get().toMillis();
        }
        return ex.settings() != null ? ex.settings().requestTimeout() : 120_000;
    }

    /** The answer's cost as its own log will state it: a hit on it saves exactly that. */
    private static Double originalCost(RequestContext ex, ProxyRequest request) {
        try {
            return io.aigateway.cost.CostCalculator.standard().charge(request.provider(), request.model(), ex.usage(),
                    false, ex.customCost(), ex.settings() == null ? java.util.Map.of() : ex.settings().priceOverrides())
                    .usd();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static GatewayResponse hit(RequestContext ex, CacheEntry entry) {
        ex.cache().markHit(entry.cost());
        ex.answer().status(entry.status());
        Usage usage = new Usage();
        if (entry.tokensIn() >= 0) {
            usage.offerIn(entry.tokensIn());
        }
        if (entry.tokensOut() >= 0) {
            usage.offerOut(entry.tokensOut());
        }
        usage.offerModel(entry.model());
        ex.usage(usage);
        byte[] body = entry.body();
        ex.answer().body(body.length, body); // read only; the log keeps what it is configured to keep
        ex.timings().firstByte();
        Headers.Builder headers = entry.headers().toBuilder();
        if (entry.stream() && !entry.headers().contains("content-type")) {
            headers.set("content-type", "text/event-stream");
        }
        headers.set(STATUS_HEADER, "HIT");
        return GatewayResponse.of(entry.status(), headers.build(), new ResponseBody.Bytes(body));
    }

    static Headers replayed(Headers provider) {
        Headers.Builder out = Headers.builder();
        provider.forEach((name, value) -> {
            if (REPLAYED.contains(name)) {
                out.add(name, value);
            }
        });
        return out.build();
    }

    /** A cacheable answer on its way to the client: what is needed to store it once it ended. */
    private final class Pending {
        private final RequestContext ex;
        private final ProxyRequest request;
        private final CacheKey key;
        private final int ttlSeconds;
        private final int status;
        private final Headers headers;
        /** This request leads the instance's flight for the key (null: a follower that went on its own, priming). */
        private final CacheStore.Flight flight;

        Pending(RequestContext ex, ProxyRequest request, CacheKey key, int ttlSeconds, int status, Headers headers,
                CacheStore.Flight flight) {
            this.ex = ex;
            this.request = request;
            this.key = key;
            this.ttlSeconds = ttlSeconds;
            this.status = status;
            this.headers = headers;
            this.flight = flight;
        }

        /**
         * On the thread that wrote the body, before the request is recorded (notes are in the log) and before the
         * transport ends the response: the entry is in memory, and the flight landed, by then.
         */
        void complete(ResponseCapture.Result result) {
            CacheEntry stored = null;
            try {
                stored = storeEntry(result);
            } finally {
                land(flight, stored);
            }
        }

        /** The body will not be stored (client gone, provider broke off, the copy failed). */
        void abandon() {
            land(flight, null);
        }

        /** The entry now in memory (and on its way to the table), or null when none is stored. */
        private CacheEntry storeEntry(ResponseCapture.Result result) {
            if (result == null) {
                return null;
            }
            if (result.tooLarge() || !CacheStore.fits(result.gzipped().length, headers)) {
                ex.cache().notStored(TOO_LARGE);
                return null;
            }
            if (!result.complete()) {
                ex.cache().notStored(STREAM_INCOMPLETE);
                return null;
            }
            if (ex.cache().storeRefused()) {
                return null; // a plug-in or hook flagged the answer (its note says why)
            }
            long now = System.currentTimeMillis();
            Usage usage = ex.usage();
            String model = usage.model() != null ? usage.model() : request.model();
            CacheEntry entry = new CacheEntry(status, headers, result.body(), key.stream(), usage.tokensIn(),
                    usage.tokensOut(), model, now, now / 1000 + ttlSeconds, originalCost(ex, request));
            byte[] gzipped = result.gzipped();
            store.remember(key, entry);
            String gateway = ex.gatewayId();
            String provider = request.provider();
            CompletableFuture<Void> write;
            try {
                write = CompletableFuture.runAsync(() -> store.write(key, entry, gzipped), background);
            } catch (RuntimeException rejected) {
                write = CompletableFuture.failedFuture(rejected); // executor shut down
            }
            ex.addPendingWrite(write.handle((ok, failure) -> {
                if (failure != null) {
                    LOG.warn("cache write failed for gateway {}: {}", gateway, failure.toString());
                    try {
                        onWriteFailure.writeFailed(gateway, provider, model);
                    } catch (RuntimeException ignored) {
                        // counting must not fail the request
                    }
                }
                return null;
            }));
            return entry;
        }
    }

    /**
     * Passes the provider's body straight to the client, copying it on the side; stores it only when the body
     * ended cleanly. Any failure of the copy only costs the cache entry, never the response.
     */
    private static final class CapturingBody implements ResponseBody.Stream {
        private final ResponseBody.Stream body;
        private final Pending pending;
        private final String contentType;

        CapturingBody(ResponseBody.Stream body, Pending pending, String contentType) {
            this.body = body;
            this.pending = pending;
            this.contentType = contentType;
        }

        @Override
        public long length() {
            return body.length();
        }

        @Override
        public void writeTo(ChunkSink sink) throws IOException {
            ResponseCapture capture = new ResponseCapture(contentType, body.length());
            boolean ended = false;
            try {
                body.writeTo(new ChunkSink() {
                    @Override
                    public void write(byte[] bytes, int offset, int length) throws IOException {
                        sink.write(bytes, offset, length);
                        try {
                            capture.append(bytes, offset, length);
                        } catch (RuntimeException e) {
                            capture.discard();
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        sink.flush();
                        try {
                            capture.digest();
                        } catch (RuntimeException e) {
                            capture.discard();
                        }
                    }
                });
                ended = true;
            } finally {
                if (!ended) {
                    capture.discard(); // client gone or provider broke off: an interrupted answer is never stored
                    pending.abandon();
                }
            }
            RequestContext ex = pending.ex;
            if (ex.answer().clientGone() || ex.answer().upstreamBroken()) {
                capture.discard();
                pending.abandon();
                return;
            }
            ResponseCapture.Result result;
            try {
                result = capture.finish();
            } catch (RuntimeException e) {
                LOG.warn("response not cached", e);
                pending.abandon();
                return;
            }
            try {
                pending.complete(result);
            } catch (RuntimeException e) {
                LOG.warn("response not cached", e);
            }
        }

        @Override
        public void abort() {
            try {
                body.abort();
            } finally {
                pending.abandon();
            }
        }
    }
}
