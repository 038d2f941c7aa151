package io.aigateway.ratelimit;

import io.aigateway.config.GatewaySettings;
import io.aigateway.core.GatewayRequest;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.config.RateLimitTechnique;
import io.aigateway.config.RuleScope;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Enforces the gateway's rate limits before any other work (and before the cache: a cache hit counts too).
 *
 * <p>Limits that apply to a request: the gateway-wide {@code rate_limiting_limit} (when above 0), and every
 * {@code rate_limiting_rules} entry, counted per value of its scope: the client IP ({@code ip}), a header
 * ({@code header:<name>}) or a {@code cf-aig-metadata} entry ({@code metadata:<key>}). Values are normalised first
 * ({@link ScopeValues}: {@code 1}, {@code "1"} and {@code 1.0} are one value); requests without a value (header or
 * key missing or blank) share one counter per rule, so leaving it out never escapes a rule. Each applicable limit is
 * one DynamoDB counter call
 * ({@link RateLimiter}); several run in parallel on virtual threads, so the request waits for the slowest one,
 * never for their sum, and for at most {@link #DEFAULT_DEADLINE}.
 *
 * <ul>
 *   <li>All allowed: the response gets {@code RateLimit-Limit}, {@code RateLimit-Remaining} and
 *       {@code RateLimit-Reset} of the tightest limit (fewest requests remaining).</li>
 *   <li>Any refused: 429 (code 2009) with {@code Retry-After} and the same three headers of the refusing limit that
 *       frees up last; the message names the limit (the gateway, or the rule's scope, never the client's value).
 *       Requests the other limits counted for it are given back, so one client over its own limit cannot use up
 *       the gateway-wide limit of everybody else with refused requests.</li>
 *   <li>Store failure or timeout: the request proceeds and {@code storeErrors} is counted (fail open), unless the
 *       gateway has {@code rate_limiting_fail_closed: true}: then 429 saying the limiter is unavailable.</li>
 * </ul>
 * No limit configured: no store call.
 */
public final class RateLimitStep implements Interceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitStep.class);
    /**
     * The longest a request waits for its counters before treating the store as failed: the gateway's DynamoDB
     * client's own call timeout (AwsClients: 2 s per attempt, 5 s per call with retries), which normally ends a
     * slow call first; this is the backstop for a client built without timeouts.
     */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);
    /** Retry-After when refusing because the store failed (fail closed). */
    static final long UNAVAILABLE_RETRY_SECONDS = 5;
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RateCounters limiter;
    private final long deadlineNanos;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    public RateLimitStep(RateCounters limiter) {
        this(limiter, DEFAULT_DEADLINE);
    }

    public RateLimitStep(RateCounters limiter, Duration deadline) {
        this.limiter = limiter;
        this.deadlineNanos = deadline.toNanos();
    }

    /** One limit that applies to this request; {@code ruleScope} is null for the gateway-wide limit. */
    record Applied(RuleScope ruleScope, String scope, int limit, int interval, RateLimitTechnique technique) {
    }

    private record Outcome(Applied limit, RateLimiter.Decision decision, Throwable failure) {
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        List<Applied> limits = applicable(ex, chain.request().http());
        if (limits.isEmpty()) {
            return chain.proceed(chain.request());
        }
        List<Outcome> outcomes = check(ex.gatewayId(), limits);

        Outcome refused = null;
        Outcome tightest = null;
        Throwable failure = null;
        for (Outcome o : outcomes) {
            if (o.failure() != null) {
                failure = failure == null ? o.failure() : failure;
            } else if (!o.decision().allowed()) {
                if (refused == null || o.decision().retryAfterSeconds() > refused.decision().retryAfterSeconds()) {
                    refused = o;
                }
            } else if (tightest == null || tighter(o.decision(), tightest.decision())) {
                tightest = o;
            }
        }
        if (failure != null) {
            ex.storeError();
            warn(ex.gatewayId(), failure);
        }
        if (refused != null) {
            refund(outcomes);
            ex.markRateLimited();
            RateLimiter.Decision d = refused.decision();
            throw new GatewayException(ErrorCode.RATE_LIMITED, message(ex.gatewayId(), refused.limit(), d),
                    headers(d).set("Retry-After", Long.toString(Math.max(1, d.retryAfterSeconds()))).build(), null);
        }
        if (failure != null && ex.settings().rateLimitingFailClosed()) {
            refund(outcomes);
            ex.markRateLimited();
            throw new GatewayException(ErrorCode.RATE_LIMITED, "The rate limiter of gateway '" + ex.gatewayId()
                    + "' is unavailable (its counter store could not be reached) and the gateway is set to refuse "
                    + "requests then (rate_limiting_fail_closed: true). Retry after " + UNAVAILABLE_RETRY_SECONDS
                    + " seconds.", Headers.builder().add("Retry-After", Long.toString(UNAVAILABLE_RETRY_SECONDS)).build(),
                    null);
        }
        GatewayResponse response = chain.proceed(chain.request());
        if (tightest == null) {
            return response;
        }
        Headers.Builder h = response.headers().toBuilder();
        RateLimiter.Decision d = tightest.decision();
        h.set("RateLimit-Limit", Integer.toString(d.limit()));
        h.set("RateLimit-Remaining", Long.toString(d.remaining()));
        h.set("RateLimit-Reset", Long.toString(d.resetSeconds()));
        return response.withHeaders(h.build());
    }

    /** The limits the settings define that this request falls under, in settings order (gateway-wide first). */
    static List<Applied> applicable(RequestContext ex, GatewayRequest request) {
        GatewaySettings s = ex.settings();
        if (s == null || ex.gatewayId() == null) {
            return List.of();
        }
        List<Applied> out = new ArrayList<>(1 + s.rateLimitingRules().size());
        if (s.rateLimitingLimit() > 0) {
            RateLimitTechnique t = s.rateLimitingTechnique();
            out.add(new Applied(null, RateLimiter.gatewayScope(s.rateLimitingInterval(), t),
                    s.rateLimitingLimit(), s.rateLimitingInterval(), t));
        }
        for (GatewaySettings.RateLimitRule rule : s.rateLimitingRules()) {
            String value = scopeValue(ex, request, rule.scope()); // null: one shared counter for requests without one
            RateLimitTechnique t = rule.technique();
            String scope = RateLimiter.clientScope(ex.gatewayId(), rule.scope(), value, rule.interval(), t);
            Applied applied = new Applied(rule.scope(), scope, rule.limit(), rule.interval(), t);
            // two rules on the same scope, interval and technique would share one counter: keep the stricter
            int same = indexOfScope(out, scope);
            if (same < 0) {
                out.add(applied);
            } else if (applied.limit() < out.get(same).limit()) {
                out.set(same, applied);
            }
        }
        return out;
    }

    private static int indexOfScope(List<Applied> limits, String scope) {
        for (int i = 0; i < limits.size(); i++) {
            if (limits.get(i).scope().equals(scope)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The request's value for a rule scope, normalised ({@link ScopeValues}), or null when it has none (blank counts
     * as none): such requests share one counter of their own rather than escape the rule.
     */
    static String scopeValue(RequestContext ex, GatewayRequest request, RuleScope ruleScope) {
        return switch (ruleScope) {
            case RuleScope.Ip ip -> ScopeValues.ip(request.clientIp());
            case RuleScope.Header h -> ScopeValues.text(request.headers().firstOrNull(h.name()));
            case RuleScope.Metadata m -> ex.options() == null ? null
                    : ScopeValues.metadata(ex.options().metadata().get(m.key()));
        };
    }

    /**
     * Every counter call on its own virtual thread, all started at once and awaited together: the request waits for
     * the slowest, bounded by the deadline (a call still running then counts as a store failure).
     */
    private List<Outcome> check(String gatewayId, List<Applied> limits) {
        List<Future<RateLimiter.Decision>> futures = new ArrayList<>(limits.size());
        for (Applied a : limits) {
            futures.add(threads.submit(() -> limiter.acquire(gatewayId, a.scope(), a.limit(), a.interval(),
                    a.technique())));
        }
        long deadline = System.nanoTime() + deadlineNanos;
        List<Outcome> outcomes = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Future<RateLimiter.Decision> f = futures.get(i);
            try {
                outcomes.add(new Outcome(limits.get(i), f.get(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS), null));
            } catch (ExecutionException e) {
                outcomes.add(new Outcome(limits.get(i), null, e.getCause() == null ? e : e.getCause()));
            } catch (TimeoutException e) {
                f.cancel(true);
                outcomes.add(new Outcome(limits.get(i), null, e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                outcomes.add(new Outcome(limits.get(i), null, e));
            }
        }
        return outcomes;
    }

    /** Gives back what the allowed checks counted for a request that will not run; best effort, in parallel. */
    private void refund(List<Outcome> outcomes) {
        List<Future<?>> refunds = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.decision() != null && o.decision().allowed()) {
                refunds.add(threads.submit(() -> limiter.refund(o.decision())));
            }
        }
        long deadline = System.nanoTime() + deadlineNanos;
        for (Future<?> f : refunds) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                // the counter keeps one request too many until its window ends
            }
        }
    }

    private static boolean tighter(RateLimiter.Decision a, RateLimiter.Decision b) {
        if (a.remaining() != b.remaining()) {
            return a.remaining() < b.remaining();
        }
        return a.resetSeconds() > b.resetSeconds();
    }

    private static Headers.Builder headers(RateLimiter.Decision d) {
        return Headers.builder()
                .add("RateLimit-Limit", Integer.toString(d.limit()))
                .add("RateLimit-Remaining", Long.toString(d.remaining()))
                .add("RateLimit-Reset", Long.toString(d.resetSeconds()));
    }

    private static String message(String gatewayId, Applied limit, RateLimiter.Decision d) {
        String window = limit.technique() == RateLimitTechnique.FIXED ? "fixed window" : "sliding window";
        String subject = limit.ruleScope() == null
                ? "gateway '" + gatewayId + "' allows "
                : "rule '" + limit.ruleScope().label() + "' of gateway '" + gatewayId + "' allows ";
        return "Rate limit exceeded: " + subject + plural(limit.limit(), "request") + " per "
                + plural(limit.interval(), "second") + per(limit.ruleScope()) + " (" + window + "). Retry after "
                + plural(d.retryAfterSeconds(), "second") + ".";
    }

    /** Names what a rule counts by, never the request's value of it (a header may carry a key). */
    private static String per(RuleScope ruleScope) {
        return switch (ruleScope) {
            case null -> "";
            case RuleScope.Ip ip -> " per client IP";
            case RuleScope.Header h -> " per value of header '" + h.name() + "'";
            case RuleScope.Metadata m -> " per value of cf-aig-metadata key '" + m.key() + "'";
        };
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    private void warn(String gatewayId, Throwable failure) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarn.compareAndSet(last, now)) {
            LOG.warn("rate limit counters of gateway {} unavailable: {}", gatewayId,
                    failure instanceof TimeoutException ? "timed out" : failure.getClass().getSimpleName());
        }
    }
}
