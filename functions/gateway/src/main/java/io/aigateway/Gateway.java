package io.aigateway;

import io.aigateway.admin.AdminApi;
import io.aigateway.compat.CompatTranslators;
import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.compatapi.CompatEndpoint;
import io.aigateway.compatapi.CompatErrors;
import io.aigateway.config.GatewayConfig;
import io.aigateway.config.SettingsCache;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.Cors;
import io.aigateway.cost.CustomCost;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.Errors;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.RequestOptions;
import io.aigateway.core.ResponseBody;
import io.aigateway.log.LogIds;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.pipeline.StepChain;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.recording.RequestRecorder;
import io.aigateway.provider.RequestBodyInfo;
import io.aigateway.provider.RouteParser;
import io.aigateway.upstream.UniversalStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The transport-neutral gateway: {@code GatewayRequest -> GatewayResponse}. Routing happens here; a proxied request
 * then runs through the pipeline steps in the order given to the constructor (see {@link GatewayApp}):
 * <pre>
 *   parse route -> [steps: ... -> upstream] -> record (log + metrics, exactly once, whatever happened)
 * </pre>
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private final GatewayConfig config;
    private final RouteParser routes;
    private final SettingsCache settings;
    private final List<Interceptor> direct;
    private final List<Interceptor> universal;
    private final List<Interceptor> requestSteps;
    private final CompatEndpoint compat;
    private final RequestRecorder recorder;
    private final AdminApi admin;
    private final LogIds ids;
    private final boolean settle;

    /**
     * @param requestSteps  run once per client request (authentication, rate limits)
     * @param providerSteps run per provider call (cache, upstream); the universal endpoint runs them per step
     * @param settle        wait for writes that must outlive the response (a cache fill) before it completes: on
     *                      Lambda, where the environment may be frozen as soon as the response is out
     */
    public Gateway(GatewayConfig config, RouteParser routes, SettingsCache settings, List<Interceptor> requestSteps,
                   List<Interceptor> providerSteps, RequestRecorder recorder, AdminApi admin, LogIds ids,
                   boolean settle) {
        this(config, routes, settings, requestSteps, providerSteps, recorder, admin, ids, settle,
                new CompatEndpoint(routes, new CompatTranslators()), null);
    }

    /**
     * @param compat    the OpenAI-compatible endpoint ({@code /compat/...})
     * @param universalStep the universal endpoint's step; null: one over {@code providerSteps} without compat steps
     */
    public Gateway(GatewayConfig config, RouteParser routes, SettingsCache settings, List<Interceptor> requestSteps,
                   List<Interceptor> providerSteps, RequestRecorder recorder, AdminApi admin, LogIds ids,
                   boolean settle, CompatEndpoint compat, Interceptor universalStep) {
        this.settle = settle;
        this.requestSteps = List.copyOf(requestSteps);
        this.compat = compat;
        this.config = config;
        this.routes = routes;
        this.settings = settings;
        this.direct = concat(requestSteps, providerSteps);
        this.universal = concat(requestSteps, List.of(universalStep != null ? universalStep
                : new UniversalStep(routes, providerSteps)));
        this.recorder = recorder;
        this.admin = admin;
        this.ids = ids;
    }

    public long maxRequestBytes() {
        return config.maxRequestBytes();
    }

    public GatewayResponse handle(GatewayRequest request) {
        String path = request.rawPath();
        try {
            if (path.startsWith("/v1/")) {
                return proxy(request);
            }
            if ("/healthz".equals(path)) {
                return GatewayResponse.of(200, Headers.builder().add("content-type", "application/json").build(),
                        new ResponseBody.Bytes(HEALTHY));
            }
            if (path.startsWith("/api/")) {
                return admin.handle(request);
            }
            throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND,
                    "No route here. Proxy paths look like /v1/{account_id}/{gateway_id}/{provider}/...");
        } catch (GatewayException e) {
            return Errors.response(e);
        } catch (RuntimeException e) {
            LOG.error("unexpected failure on {} {}", request.method(), safePath(path), e);
            return Errors.response(ErrorCode.INTERNAL, "The gateway failed unexpectedly; the failure was logged.");
        }
    }

    /** A request refused before the pipeline (oversize body, bad framing) still counts once. */
    public GatewayResponse reject(GatewayRequest request, GatewayException error) {
        if (!request.rawPath().startsWith("/v1/")) {
            return Errors.response(error);
        }
        RequestContext ex = new RequestContext(request, ids.next(request.receivedAtMillis()));
        try {
            RouteParser.GatewayPath gp = routes.splitGatewayPath(request.rawPath());
            ex.addressedTo(gp.account(), gp.gatewayId());
            ex.providerNamed(gp.providerSlug());
        } catch (GatewayException ignored) {
            // the path is bad too; the size error is the one reported
        }
        return failed(ex, error);
    }

    private GatewayResponse proxy(GatewayRequest request) {
        if (Cors.isPreflight(request)) {
            return preflight(request);
        }
        admin.countProxied();
        RequestContext ex = new RequestContext(request, ids.next(request.receivedAtMillis()));
        try {
            RouteParser.GatewayPath gp = routes.splitGatewayPath(request.rawPath());
            ex.addressedTo(gp.account(), gp.gatewayId());
            // before anything can refuse the request, so its log and metrics name the provider asked for
            ex.providerNamed(gp.providerSlug() == null || gp.providerSlug().isEmpty() ? null : gp.providerSlug());
            RequestOptions options = RequestOptions.parse(request.headers());
            CustomCost customCost = CustomCost.parse(request.headers().firstOrNull(CustomCost.HEADER));
            SettingsCache.Lookup lookup = settings.get(gp.gatewayId());
            ex.configure(lookup.settings(), options, customCost);
            if (lookup.storeError()) {
                ex.storeError();
            }
            if (request.body().length > config.maxRequestBytes()) {
                throw tooLarge(config.maxRequestBytes());
            }
            if (gp.providerSlug() == null || gp.providerSlug().isEmpty()) {
                if (!"POST".equals(request.method())) {
                    throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "Add a provider to the path: /v1/"
                            + gp.account() + "/" + gp.gatewayId() + "/{provider}/... (for example /openai/chat/completions),"
                            + " or POST an array of steps here (universal endpoint).");
                }
                return recorded(ex, StepChain.run(universal, ex, new ProxyRequest(request, null, null, false, null)));
            }
            if (CompatEndpoint.SLUG.equals(gp.providerSlug())) {
                return compat(ex, request, gp.rest());
            }
            ProxyRoute route = routes.parse(gp, request.rawQuery());
            RequestBodyInfo body = RequestBodyInfo.inspect(request.body());
            return recorded(ex, StepChain.run(direct, ex, new ProxyRequest(request, route, body.modelFor(route),
                    body.streamFor(route), null)));
        } catch (GatewayException e) {
            return failed(ex, e);
        } catch (RuntimeException e) {
            LOG.error("unexpected failure on {} {}", request.method(), safePath(request.rawPath()), e);
            return failed(ex, new GatewayException(ErrorCode.INTERNAL,
                    "The gateway failed unexpectedly; the failure was logged."));
        }
    }

    /**
     * The OpenAI-compatible endpoint: the request becomes a provider request that runs the same steps as a direct
     * one (or a dynamic route, which runs them per model it tries), and the answer and every refusal come back in
     * OpenAI's format, whichever provider answered.
     */
    private GatewayResponse compat(RequestContext ex, GatewayRequest request, String rest) {
        try {
            return switch (compat.plan(ex, request, rest)) {
                case CompatEndpoint.Plan.Direct d ->
                        recorded(ex, d.call().answer().translate(StepChain.run(direct, ex, d.call().request())));
                case CompatEndpoint.Plan.Routed r ->
                        recorded(ex, StepChain.run(concat(requestSteps, List.of(r.runner())), ex, r.request()));
            };
        } catch (UnsupportedParameterException e) {
            ex.answer().fail(ErrorCode.COMPAT_UNSUPPORTED);
            return recorded(ex, CompatErrors.unsupported(e));
        } catch (GatewayException e) {
            ex.answer().fail(e.code());
            return recorded(ex, ErrorShape.OPENAI.response(e));
        }
    }

    /** A browser's preflight, answered here: never proxied, logged or counted against limits. */
    private GatewayResponse preflight(GatewayRequest request) {
        try {
            RouteParser.GatewayPath gp = routes.splitGatewayPath(request.rawPath());
            return Cors.preflight(request, settings.get(gp.gatewayId()).settings().corsOrigins());
        } catch (GatewayException unknownOrUnreadable) {
            return Cors.preflight(request, List.of()); // no allowed origin: the browser refuses
        }
    }

    public static GatewayException tooLarge(long limit) {
        return new GatewayException(ErrorCode.BODY_TOO_LARGE,
                "The request body is larger than " + limit + " bytes (GATEWAY_MAX_REQUEST_BYTES).");
    }

    private GatewayResponse failed(RequestContext ex, GatewayException e) {
        ex.answer().fail(e.code());
        // on a provider route, in that provider's own error shape (see ErrorShape)
        return recorded(ex, ErrorShape.forProvider(ex.provider()).response(e));
    }

    /** Adds the gateway's response headers and ties the request's record to the end of the body. */
    private GatewayResponse recorded(RequestContext ex, GatewayResponse response) {
        if (ex.answer().status() == 0) {
            ex.answer().status(response.status());
        }
        Headers.Builder headers = response.headers().toBuilder();
        if (ex.collectLog() && ex.gatewayId() != null) {
            headers.set("cf-aig-log-id", ex.logId());
        }
        if (ex.options() != null && ex.options().eventId() != null) {
            headers.set("cf-aig-event-id", ex.options().eventId());
        }
        if (ex.settings() != null) {
            Cors.decorate(headers, ex.clientRequest(), ex.settings().corsOrigins());
        }
        GatewayResponse out = response.withHeaders(headers.build());
        if (out.body() instanceof ResponseBody.Stream stream) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            return out.withBody(new RecordingStream(stream, ex, done), done);
        }
        ex.timings().firstByte();
        if (out.body() instanceof ResponseBody.Bytes bytes) {
            ex.answer().body(bytes.data().length, bytes.data());
            ex.answer().contentType(out.headers().firstOrNull("content-type"));
        }
        return out.withBody(out.body(), settled(recorder.record(ex)));
    }

    private static final long SETTLE_MS = 2_000;

    /** On Lambda, waits (bounded) for what the request still writes; elsewhere hands the future on. */
    private CompletableFuture<Void> settled(CompletableFuture<Void> pending) {
        if (settle && !pending.isDone()) {
            try {
                pending.get(SETTLE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException slowOrFailed) {
                // a cache fill that did not finish in time is given up: the answer is not held back longer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return pending;
    }

    /** Records the request when its streamed body ends, however it ends. */
    private final class RecordingStream implements ResponseBody.Stream {
        private final ResponseBody.Stream body;
        private final RequestContext ex;
        private final CompletableFuture<Void> done;

        RecordingStream(ResponseBody.Stream body, RequestContext ex, CompletableFuture<Void> done) {
            this.body = body;
            this.ex = ex;
            this.done = done;
        }

        @Override
        public long length() {
            return body.length();
        }

        @Override
        public void writeTo(ChunkSink sink) throws IOException {
            long length = body.length();
            AnswerEndHeld held = length > 0 ? new AnswerEndHeld(sink, length) : null;
            try {
                body.writeTo(held != null ? held : sink);
            } catch (ResponseBody.TooLarge e) {
                ex.answer().fail(ErrorCode.ANSWER_TOO_LARGE); // the transport answers 502 instead; the log says so
                throw e;
            } finally {
                complete();
            }
            if (held != null) {
                held.release();
            }
        }

        @Override
        public void abort() {
            try {
                body.abort();
            } finally {
                complete();
            }
        }

        /** Runs before the stream's final bytes are handed to the transport, so the record precedes the end. */
        private void complete() {
            settled(recorder.record(ex)).whenComplete((v, e) -> done.complete(null));
        }
    }

    /**
     * With a known length the client has the whole answer as soon as its last byte is written, before the record
     * is journaled: a crash in between would lose the log of an answered request. So the write that completes the
     * body waits until the record is in the journal. It is held whole, not just its last byte, so the answer's end
     * does not become a tiny segment of its own (which Nagle's algorithm and a delayed ACK would hold for 40 ms).
     * (Chunked answers end with the terminating chunk, which the transport writes after
     * {@link ResponseBody.Stream#writeTo} returns, so they need nothing.)
     */
    private static final class AnswerEndHeld implements ChunkSink {
        private final ChunkSink sink;
        private final long length;
        private long written;
        private byte[] held;

        AnswerEndHeld(ChunkSink sink, long length) {
            this.sink = sink;
            this.length = length;
        }

        @Override
        public void write(byte[] bytes, int offset, int count) throws IOException {
            if (count > 0 && written + count == length) {
                held = java.util.Arrays.copyOfRange(bytes, offset, offset + count);
            } else {
                sink.write(bytes, offset, count);
            }
            written += count;
        }

        @Override
        public void flush() throws IOException {
            sink.flush();
        }

        void release() throws IOException {
            if (held != null) {
                byte[] last = held;
                held = null;
                sink.write(last, 0, last.length);
                sink.flush();
            }
        }
    }

    private static List<Interceptor> concat(List<Interceptor> a, List<Interceptor> b) {
        List<Interceptor> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static String safePath(String path) {
        return path.length() > 120 ? path.substring(0, 120) : path;
    }
}
