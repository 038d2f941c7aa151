package io.aigateway.recording;

import io.aigateway.budget.Settlement;
import io.aigateway.core.SecretScrubber;
import io.aigateway.cost.Charge;
import io.aigateway.log.LogPayload;
import io.aigateway.log.RequestLog;
import io.aigateway.pipeline.Answer;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.Usage;
import io.aigateway.core.GatewayRequest;
import io.aigateway.cost.Cost;
import io.aigateway.cost.CostCalculator;
import io.aigateway.cost.ModelPrice;
import io.aigateway.metrics.RequestMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.ArrayList;
import io.aigateway.ingest.RecordFormat;

/**
 * Ends a request: whatever happened, one record (metrics, and the log with its bodies unless logging is off for it)
 * leaves through the {@link RecordSink} before the response completes. Nothing here waits on a store: the record
 * is a line on stdout (Lambda) or a journal append (local), microseconds either way. The returned future is what
 * must still finish before the response may complete (a cache fill), which the Lambda transports wait for.
 */
public final class RequestRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(RequestRecorder.class);

    private final RecordSink sink;
    private final RequestMetrics metrics;
    private final int bodyHeadBytes;
    private final int payloadBytes;
    private final LogRedactor redactor;
    private final CostCalculator costs;
    private final LongAdder unrecorded = new LongAdder();
    private final Settler settler;

    /**
     * What a request's record carries for its budgets (reservations and what it used per bucket), for the ingest to
     * settle: no store write on the request path after the answer. Null when the request touched no budget.
     */
    @FunctionalInterface
    public interface Settler {
        Settlement settlement(RequestContext ex, Charge charge);
    }

    public RequestRecorder(RecordSink sink, RequestMetrics metrics, int bodyHeadBytes, int payloadBytes,
                           LogRedactor redactor, CostCalculator costs) {
        this(sink, metrics, bodyHeadBytes, payloadBytes, redactor, costs, (ex, charge) -> null);
    }

    public RequestRecorder(RecordSink sink, RequestMetrics metrics, int bodyHeadBytes, int payloadBytes,
                           LogRedactor redactor, CostCalculator costs, Settler settler) {
        this.settler = settler;
        this.sink = sink;
        this.metrics = metrics;
        this.bodyHeadBytes = bodyHeadBytes;
        this.payloadBytes = payloadBytes;
        this.redactor = redactor;
        this.costs = costs;
    }

    public CompletableFuture<Void> record(RequestContext ex) {
        if (!ex.finish()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> lines = new ArrayList<>(2);
        Charge charge;
        try {
            charge = price(ex);
            RecordMask mask = redactor.mask(ex);
            RequestLog log = ex.collectLog() && ex.gatewayId() != null ? toLog(ex, charge, mask) : null;
            Settlement spend = ex.gatewayId() == null ? null : settler.settlement(ex, charge);
            String line = metrics.line(ex, charge, log, metadata(ex, mask, false), spend);
            if (line != null) {
                lines.add(line);
            }
            if (log != null) {
                lines.addAll(RecordFormat.bodyLines(log, payload(ex, mask)));
            }
        } catch (RuntimeException e) {
            unrecorded.increment();
            LOG.error("request {} not recorded", ex.logId(), e);
            return ex.pendingWrites();
        }
        if (!lines.isEmpty() && !sink.write(lines)) {
            unrecorded.increment();
        }
        return ex.pendingWrites();
    }

    /** Requests whose record could not be written (each also counted by the sink where it knows more). */
    public long unrecorded() {
        return unrecorded.sum();
    }

    /** Cost of the request (0 for a cache hit, which records what it saved); null when the price is unknown. */
    private Charge price(RequestContext ex) {
        ProxyRequest target = ex.target();
        if (target == null || target.route() == null) {
            return Charge.UNKNOWN;
        }
        try {
            Map<String, ModelPrice> overrides = ex.settings() == null ? Map.of() : ex.settings().priceOverrides();
            boolean hit = ex.cache().hit();
            Cost cost = costs.charge(target.provider(), target.model(), ex.usage(), hit, ex.customCost(), overrides);
            Double saved = null;
            if (hit) {
                // a hit saves what the original request cost (its own prices, cached-token discounts included)
                saved = ex.cache().originalCost() != null ? ex.cache().originalCost()
                        : costs.costSaved(target.provider(), target.model(), ex.usage(), ex.customCost(), overrides)
                        .usd();
            }
            return new Charge(cost.usd(), saved, cost.estimated());
        } catch (RuntimeException e) {
            LOG.warn("cost not computed", e);
            return Charge.UNKNOWN;
        }
    }

    private static boolean refusedByAuth(RequestContext ex) {
        return ex.answer().error() == io.aigateway.core.ErrorCode.GATEWAY_UNAUTHORIZED
                || ex.answer().error() == io.aigateway.core.ErrorCode.KEY_EXPIRED;
    }

    private LogPayload payload(RequestContext ex, RecordMask mask) {
        boolean keep = payloadBytes > 0 && !refusedByAuth(ex) && mask.keepsBodies()
                && (ex.options() == null || ex.options().collectLogPayload().orElse(true));
        if (!keep) {
            return null;
        }
        GatewayRequest request = ex.clientRequest();
        String requestType = request.headers().firstOrNull("content-type");
        return LogPayload.of(stored(request.body(), requestType, mask),
                stored(ex.answer().head(), ex.answer().contentType(), mask));
    }

    /** A body as it is stored: scrubbed, masked (a little past the cut, so no value is halved by it), bounded. */
    private byte[] stored(byte[] body, String contentType, RecordMask mask) {
        if (mask == RecordMask.NONE) {
            return SecretScrubber.scrub(bounded(body), contentType);
        }
        byte[] window = body.length <= payloadBytes + 1024 ? body : Arrays.copyOf(body, payloadBytes + 1024);
        return bounded(mask.body(contentType, SecretScrubber.scrub(window, contentType)));
    }

    /** The client's metadata as the record carries it: masked, and none for a request refused by auth. */
    private static Map<String, Object> metadata(RequestContext ex, RecordMask mask, boolean forLog) {
        if (ex.options() == null || (forLog && refusedByAuth(ex))) {
            return Map.of();
        }
        Map<String, Object> meta = ex.options().metadata();
        if (mask == RecordMask.NONE || meta.isEmpty()) {
            return meta;
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        meta.forEach((k, v) -> out.put(k, v instanceof String s ? mask.text(s) : v));
        return out;
    }

    /** Plug-in annotations, masked like metadata (a plug-in may copy text from the request into them). */
    private static Map<String, String> masked(Map<String, String> annotations, RecordMask mask) {
        if (mask == RecordMask.NONE || annotations == null || annotations.isEmpty()) {
            return annotations;
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        annotations.forEach((k, v) -> out.put(k, mask.text(v)));
        return out;
    }

    /** The head of a body as the log keeps it: scrubbed, masked, cut on a character boundary. */
    private String maskedHead(byte[] body, RecordMask mask) {
        if (mask == RecordMask.NONE) {
            return SecretScrubber.scrub(head(body, body.length));
        }
        // masked a little past the cut, so a value the cut would halve is still recognised whole
        if (body.length == 0 || bodyHeadBytes == 0) {
            return null;
        }
        String text = SecretScrubber.scrub(cut(body, body.length, bodyHeadBytes + 1024));
        String masked = mask.text(text);
        byte[] bytes = masked.getBytes(StandardCharsets.UTF_8);
        return head(bytes, bytes.length);
    }

    private byte[] bounded(byte[] body) {
        return body.length <= payloadBytes ? body : Arrays.copyOf(body, payloadBytes);
    }

    /**
     * The request's log. Credentials are scrubbed from the body heads (see {@link SecretScrubber}); a request refused
     * by authentication is logged minimally: no bodies, no client metadata or event id (a client without a valid
     * token must not be able to write into logs and analytics).
     */
    RequestLog toLog(RequestContext ex, Charge charge, RecordMask mask) {
        GatewayRequest request = ex.clientRequest();
        long created = request.receivedAtMillis();
        boolean refused = refusedByAuth(ex);
        boolean keepHeads = !refused && mask.keepsBodies()
                && (ex.options() == null || ex.options().collectLogPayload().orElse(true));
        boolean textual = isText(request.headers().firstOrNull("content-type"));
        Answer answer = ex.answer();
        Usage usage = ex.usage();
        ProxyRequest target = ex.target();
        return RequestLog.builder()
                .id(ex.logId())
                .createdAt(created)
                .gateway(ex.gatewayId())
                .provider(ex.provider())
                .model(RequestMetrics.modelOf(ex))
                .method(request.method())
                .path(request.rawPath()) // never the query: some providers take API keys there
                .statusCode(answer.status())
                .success(answer.success())
                .cached(ex.cache().hit())
                .stream(target != null && target.stream())
                .duration(ex.timings().durationMillis())
                .timeToFirstByte(ex.timings().timeToFirstByteMillis())
                .upstreamDuration(ex.timings().upstreamMillis())
                .tokensIn(usage.tokensIn() >= 0 ? usage.tokensIn() : null)
                .tokensOut(usage.tokensOut() >= 0 ? usage.tokensOut() : null)
                .metadata(metadata(ex, mask, true))
                .eventId(ex.options() == null || refused ? null : mask.text(ex.options().eventId()))
                .userAgent(truncate(request.headers().firstOrNull("user-agent"), 256))
                .requestSize(request.body().length)
                .responseSize(answer.bytes())
                .requestHead(keepHeads && textual ? maskedHead(request.body(), mask) : null)
                .responseHead(keepHeads && isText(answer.contentType()) ? maskedHead(answer.head(), mask) : null)
                .attempts(answer.attempts())
                .errorCode(answer.error() == null ? null : answer.error().code())
                .outcome(outcome(answer))
                .step(ex.fallbacks().answered())
                .failedSteps(ex.fallbacks().failed())
                .cacheNote(ex.cache().note())
                .cost(charge.usd())
                .costSaved(charge.savedUsd())
                .costEstimated(charge.estimated())
                .expiresAt(created / 1000 + ex.logRetentionDays() * 86_400L)
                .tokensCached(usage.cacheReadTokens() >= 0 ? usage.cacheReadTokens() : null)
                .tokensCacheWrite(usage.cacheWriteTokens() >= 0 ? usage.cacheWriteTokens() : null)
                .tokensReasoning(usage.reasoningTokens() >= 0 ? usage.reasoningTokens() : null)
                .blockedBy(ex.blockedBy())
                .annotations(masked(ex.annotations(), mask))
                .requestedModel(ex.routeTrace().requestedModel())
                .route(ex.routeTrace().route(), ex.routeTrace().version(), ex.routeTrace().path())
                .keyId(ex.key() == null ? null : ex.key().id())
                .dlpAction(ex.dlp().action())
                .dlpFindings(ex.dlp().counts())
                .build();
    }

    private static String outcome(Answer answer) {
        if (answer.clientGone()) {
            return "client_disconnected";
        }
        if (answer.upstreamBroken()) {
            return "upstream_disconnected";
        }
        return answer.error() == null ? "ok" : answer.error().name().toLowerCase();
    }

    private String head(byte[] bytes, int length) {
        if (length == 0 || bodyHeadBytes == 0) {
            return null;
        }
        return cut(bytes, length, bodyHeadBytes);
    }

    /** At most {@code limit} bytes, cut on a character boundary so the text is valid UTF-8. */
    private static String cut(byte[] bytes, int length, int limit) {
        int n = Math.min(length, limit);
        while (n > 0 && n < length && (bytes[n] & 0xC0) == 0x80) {
            n--;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.toLowerCase();
        return ct.contains("json") || ct.startsWith("text/") || ct.contains("x-www-form-urlencoded");
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
