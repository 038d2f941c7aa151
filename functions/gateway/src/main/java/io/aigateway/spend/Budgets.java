package io.aigateway.spend;

import io.aigateway.budget.Settlement;
import io.aigateway.config.GatewaySettings;
import io.aigateway.config.LimitRule;
import io.aigateway.config.VirtualKey;
import io.aigateway.cost.Charge;
import io.aigateway.cost.CostCalculator;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Spend and token budgets: which rules apply to a request (the gateway's {@code spend_limits} and
 * {@code token_limits}, and its key's own budget and token limit), whether the request may go ahead, and what its
 * record must carry for the ingest to settle.
 * <p>
 * Two ways to enforce a rule (its {@code enforcement}):
 * <ul>
 *   <li>{@code reserve}: before the provider call, the request's {@link Estimate} is reserved on each bucket with a
 *       conditional ADD that fails when it would not fit; on a refusal the reservations already made are given
 *       back. Spend can pass the limit only by what estimates fell short. A bucket whose settled use reached its
 *       limit is remembered until its window ends, so refusing it costs no store call.</li>
 *   <li>{@code observe}: no store call per request; the request is refused when its bucket is in the gateway's
 *       exhausted set, which the ingest keeps and each instance reads at most every refresh interval (one request
 *       reads it, the others use the last copy).</li>
 * </ul>
 * Nothing is counted here after the answer: the record carries the reservations and what the request used
 * ({@link #settlement}), and the ingest settles it once per log id.
 */
public final class Budgets {
    private static final Logger LOG = LoggerFactory.getLogger(Budgets.class);
    private static final int MAX_REMEMBERED = 10_000;
    private static final long RETRY_AFTER_FAILED_READ_MILLIS = 1_000;

    private final SpendCounters counters;
    private final CostCalculator costs;
    private final LongSupplier clock;
    private final long refreshMillis;
    /** Reserve-mode buckets whose settled use reached the limit, by bucket id, until their window ends. */
    private final Map<String, Spent> spent = new ConcurrentHashMap<>();
    /** Per gateway: the exhausted set of its observe-mode buckets, as last read. */
    private final Map<String, Exhausted> exhausted = new ConcurrentHashMap<>();

    private record Spent(BigDecimal used, long windowEnd) {
    }

    private static final class Exhausted {
        volatile Map<String, BigDecimal> buckets = Map.of();
        volatile long loadedAt = Long.MIN_VALUE / 2;
        final AtomicBoolean loading = new AtomicBoolean();
    }

    /**
     * A bucket the request may not use: the request is refused with its rule and the time its window ends.
     *
     * @param used     settled use of the bucket as last seen, or null when unknown
     * @param held     what requests in flight held on it (reserve mode), else 0
     * @param estimate what this request would have reserved (0 in observe mode)
     */
    public record Over(Buckets.Bucket bucket, BigDecimal used, BigDecimal held, BigDecimal estimate) {
    }

    /** @param refreshMillis how often an instance reads a gateway's exhausted set (observe-mode rules) */
    public Budgets(SpendCounters counters, CostCalculator costs, LongSupplier clock, long refreshMillis) {
        this.counters = counters;
        this.costs = costs;
        this.clock = clock;
        this.refreshMillis = refreshMillis;
    }

    public SpendCounters counters() {
        return counters;
    }

    long nowMillis() {
        return clock.getAsLong();
    }

    /** The rules that may apply to requests of this context (before bucketing). */
    static List<LimitRule> rules(RequestContext ex) {
        GatewaySettings s = ex.settings();
        List<LimitRule> gatewayRules = s == null ? List.of() : s.governance().rules();
        VirtualKey key = ex.key();
        if (key == null || key.rules().isEmpty()) {
            return gatewayRules;
        }
        List<LimitRule> all = new ArrayList<>(gatewayRules);
        all.addAll(key.rules());
        return all;
    }

    List<Buckets.Bucket> buckets(RequestContext ex, ProxyRequest request) {
        List<LimitRule> rules = rules(ex);
        if (rules.isEmpty() || request == null || request.route() == null) {
            return List.of();
        }
        Buckets.Facts facts = new Buckets.Facts(request.provider(), request.model(),
                ex.key() == null ? null : ex.key().id(), ex.options() == null ? Map.of() : ex.options().metadata());
        return Buckets.of(ex.gatewayId(), rules, facts, clock.getAsLong());
    }

    /**
     * Null when the request may call the provider (its reservations are then held on {@code ex}), else the bucket
     * that refuses it: of the buckets known to be spent, the one whose window ends last. A store failure lets the
     * request through on that bucket (counted as a store error).
     */
    Over admit(RequestContext ex, ProxyRequest request, List<Buckets.Bucket> buckets) {
        Over worst = null;
        long now = clock.getAsLong();
        List<Buckets.Bucket> toReserve = new ArrayList<>(buckets.size());
        Map<String, BigDecimal> exhaustedNow = null;
        for (Buckets.Bucket b : buckets) {
            if (b.rule().enforcement() == LimitRule.Enforcement.OBSERVE) {
                if (exhaustedNow == null) {
                    exhaustedNow = exhaustedSet(ex, now);
                }
                BigDecimal used = exhaustedNow.get(b.id());
                if (used != null) {
                    worst = later(worst, new Over(b, used, BigDecimal.ZERO, BigDecimal.ZERO));
                }
                continue;
            }
            Spent known = spent.get(b.id());
            if (known != null && known.windowEnd() > now / 1000 && known.used().compareTo(b.rule().limit()) >= 0) {
                worst = later(worst, new Over(b, known.used(), BigDecimal.ZERO, BigDecimal.ZERO));
            } else {
                toReserve.add(b);
            }
        }
        if (worst != null || toReserve.isEmpty()) {
            return worst; // one spent bucket refuses the request: nothing is reserved on the others
        }
        Map<String, io.aigateway.cost.ModelPrice> overrides = ex.settings() == null ? Map.of()
                : ex.settings().priceOverrides();
        Estimate estimate = Estimate.of(request, costs, ex.customCost(), overrides);
        List<Buckets.Bucket> held = new ArrayList<>(toReserve.size());
        List<BigDecimal> amounts = new ArrayList<>(toReserve.size());
        for (Buckets.Bucket b : toReserve) {
            BigDecimal amount = estimate.amount(b.rule());
            SpendCounters.Full full;
            if (amount.compareTo(b.rule().limit()) > 0) {
                full = new SpendCounters.Full(null, BigDecimal.ZERO); // can never fit, whatever the bucket holds
            } else {
                try {
                    full = counters.reserve(b, amount);
                } catch (RuntimeException storeDown) {
                    ex.storeError();
                    LOG.warn("budget bucket of rule {} not reserved (request let through): {}", b.rule().id(),
                            storeDown.toString());
                    continue;
                }
            }
            if (full == null) {
                held.add(b);
                amounts.add(amount);
                continue;
            }
            BigDecimal settled = full.used() == null ? null : full.settled();
            if (settled != null && settled.compareTo(b.rule().limit()) >= 0) {
                remember(b, settled);
            }
            giveBack(ex, held, amounts);
            return new Over(b, settled, full.reserved(), amount);
        }
        for (int i = 0; i < held.size(); i++) {
            ex.reserved(Settlement.Entry.release(held.get(i).pk(), held.get(i).sk(), amounts.get(i)));
        }
        return null;
    }

    /** Releases the reservations of a refused request; one that cannot be released goes in its record instead. */
    private void giveBack(RequestContext ex, List<Buckets.Bucket> held, List<BigDecimal> amounts) {
        for (int i = 0; i < held.size(); i++) {
            Buckets.Bucket b = held.get(i);
            try {
                counters.release(b, amounts.get(i));
            } catch (RuntimeException storeDown) {
                ex.storeError();
                ex.reserved(Settlement.Entry.release(b.pk(), b.sk(), amounts.get(i))); // the ingest gives it back
            }
        }
    }

    /** The gateway's exhausted set, read again when older than the refresh interval, by one request at a time. */
    private Map<String, BigDecimal> exhaustedSet(RequestContext ex, long now) {
        Exhausted e = exhausted.computeIfAbsent(ex.gatewayId(), g -> new Exhausted());
        if (now - e.loadedAt >= refreshMillis && e.loading.compareAndSet(false, true)) {
            try {
                e.buckets = counters.exhausted(ex.gatewayId(), now / 1000);
                e.loadedAt = now;
            } catch (RuntimeException storeDown) {
                ex.storeError();
                e.loadedAt = now - refreshMillis + RETRY_AFTER_FAILED_READ_MILLIS; // the last copy, for a second
            } finally {
                e.loading.set(false);
            }
        }
        return e.buckets;
    }

    private static Over later(Over a, Over b) {
        return a == null || b.bucket().windowEnd() > a.bucket().windowEnd() ? b : a;
    }

    private void remember(Buckets.Bucket b, BigDecimal used) {
        if (spent.size() >= MAX_REMEMBERED) {
            long now = clock.getAsLong() / 1000;
            spent.values().removeIf(s -> s.windowEnd() <= now);
            if (spent.size() >= MAX_REMEMBERED) {
                return; // still full: this bucket is asked of the store each time
            }
        }
        spent.put(b.id(), new Spent(used, b.windowEnd()));
    }

    /**
     * What the request's record carries for the ingest: its reservations, and what it used on each bucket of the
     * provider and model actually called (a cache hit uses nothing; a model without a price uses no spend, but its
     * tokens count). Null when it reserved nothing and used nothing.
     */
    Settlement settlement(RequestContext ex, Charge charge) {
        List<Settlement.Entry> held = ex.reservations();
        List<Buckets.Bucket> counted = ex.cache().hit() ? List.of() : buckets(ex, ex.target());
        if (held.isEmpty() && counted.isEmpty()) {
            return null;
        }
        Map<String, Settlement.Entry> reserved = new LinkedHashMap<>();
        for (Settlement.Entry r : held) {
            reserved.merge(r.id(), r, (a, b) -> Settlement.Entry.release(a.pk(), a.sk(), a.reserved().add(b.reserved())));
        }
        Usage usage = ex.usage();
        List<Settlement.Entry> entries = new ArrayList<>();
        for (Buckets.Bucket b : counted) {
            LimitRule rule = b.rule();
            BigDecimal actual = rule.isSpend() ? usd(charge) : tokens(rule.count(), usage);
            Settlement.Entry r = reserved.remove(b.id());
            BigDecimal hold = r == null ? BigDecimal.ZERO : r.reserved();
            if (actual.signum() == 0 && hold.signum() == 0) {
                continue;
            }
            entries.add(new Settlement.Entry(b.pk(), b.sk(), hold, actual, rule.id(), rule.isSpend() ? "spend" : "tokens",
                    rule.limit(), b.windowEnd(), b.labels(), rule.alertThresholds(),
                    rule.enforcement() == LimitRule.Enforcement.OBSERVE));
        }
        entries.addAll(reserved.values()); // held where the request did not end up (a fallback went elsewhere)
        return entries.isEmpty() ? null : new Settlement(ex.logId(), ex.gatewayId(), entries);
    }

    private static BigDecimal usd(Charge charge) {
        return charge == null || charge.usd() == null || !Double.isFinite(charge.usd()) || charge.usd() <= 0
                ? BigDecimal.ZERO : new BigDecimal(Double.toString(charge.usd()));
    }

    private static BigDecimal tokens(LimitRule.TokenCount count, Usage usage) {
        long in = Math.max(0, usage.tokensIn());
        long out = Math.max(0, usage.tokensOut());
        return BigDecimal.valueOf(switch (count) {
            case INPUT -> in;
            case OUTPUT -> out;
            case TOTAL -> in + out;
        });
    }
}
