package io.aigateway.spend;

import io.aigateway.config.GatewaySettings;
import io.aigateway.config.LimitRule;
import io.aigateway.config.VirtualKey;
import io.aigateway.cost.Charge;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Spend and token budgets: which rules apply to a request (the gateway's {@code spend_limits} and
 * {@code token_limits}, and its key's own budget and token limit), whether any of its buckets is spent, and counting
 * what a finished request used.
 * <p>
 * Consistency: a bucket is checked before the provider call and counted after the answer, so requests already in
 * flight when a bucket fills still complete; a burst overshoots a budget by at most what those requests cost (see
 * the README, "Governance"). A bucket known to be spent is remembered until its window ends (or its rule's limit
 * is raised past it), so refusing costs no store read.
 */
public final class Budgets {
    private static final Logger LOG = LoggerFactory.getLogger(Budgets.class);
    private static final int MAX_REMEMBERED = 10_000;

    private final SpendCounters counters;
    private final Executor background;
    private final LongSupplier clock;
    /** Buckets seen spent, by bucket id: what they had used, until their window ends. */
    private final Map<String, Spent> spent = new ConcurrentHashMap<>();

    private record Spent(BigDecimal used, long windowEnd) {
    }

    /** A bucket over its budget: the request is refused with its rule and the time its window ends. */
    public record Over(Buckets.Bucket bucket, BigDecimal used) {
    }

    public Budgets(SpendCounters counters, Executor background, LongSupplier clock) {
        this.counters = counters;
        this.background = background;
        this.clock = clock;
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
     * The spent bucket whose window ends last (the request can run again only once every spent bucket frees up),
     * or null. Reads the store only for buckets not remembered as spent; store errors propagate.
     */
    Over over(List<Buckets.Bucket> buckets) {
        Over worst = null;
        List<Buckets.Bucket> unknown = new ArrayList<>(buckets.size());
        long now = clock.getAsLong() / 1000;
        for (Buckets.Bucket b : buckets) {
            Spent known = spent.get(b.id());
            if (known != null && known.windowEnd() > now && known.used().compareTo(b.rule().limit()) >= 0) {
                worst = later(worst, new Over(b, known.used()));
            } else {
                unknown.add(b);
            }
        }
        if (worst != null || unknown.isEmpty()) {
            return worst; // one spent bucket refuses the request: the others need not be read
        }
        Map<String, BigDecimal> used = counters.read(unknown);
        for (Buckets.Bucket b : unknown) {
            BigDecimal u = used.getOrDefault(b.id(), BigDecimal.ZERO);
            if (u.compareTo(b.rule().limit()) >= 0) {
                remember(b, u);
                worst = later(worst, new Over(b, u));
            }
        }
        return worst;
    }

    private static Over later(Over a, Over b) {
        return a == null || b.bucket().windowEnd() > a.bucket().windowEnd() ? b : a;
    }

    private void remember(Buckets.Bucket b, BigDecimal used) {
        if (spent.size() >= MAX_REMEMBERED) {
            long now = clock.getAsLong() / 1000;
            spent.values().removeIf(s -> s.windowEnd() <= now);
            if (spent.size() >= MAX_REMEMBERED) {
                return; // still full: this bucket is read from the store each time
            }
        }
        spent.put(b.id(), new Spent(used, b.windowEnd()));
    }

    /**
     * Counts a finished request against its buckets (those of the provider and model actually called), off the
     * answer's path: an atomic ADD per bucket on a background thread, registered as a pending write. A cache hit
     * costs nothing; a model without a price adds no spend (set {@code price_overrides}), but its tokens count.
     */
    void count(RequestContext ex, Charge charge) {
        if (ex.cache().hit()) {
            return;
        }
        List<Buckets.Bucket> buckets = buckets(ex, ex.target());
        if (buckets.isEmpty()) {
            return;
        }
        Usage usage = ex.usage();
        List<Buckets.Bucket> todo = new ArrayList<>(buckets.size());
        List<BigDecimal> amounts = new ArrayList<>(buckets.size());
        for (Buckets.Bucket b : buckets) {
            BigDecimal amount = b.rule().isSpend() ? usd(charge) : tokens(b.rule().count(), usage);
            if (amount.signum() > 0) {
                todo.add(b);
                amounts.add(amount);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        String gateway = ex.gatewayId();
        CompletableFuture<Void> write;
        try {
            write = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < todo.size(); i++) {
                    Buckets.Bucket b = todo.get(i);
                    BigDecimal total = counters.add(b, amounts.get(i));
                    if (total.compareTo(b.rule().limit()) >= 0) {
                        remember(b, total);
                    }
                }
            }, background);
        } catch (RuntimeException rejected) {
            write = CompletableFuture.failedFuture(rejected); // executor shut down
        }
        ex.addPendingWrite(write.handle((ok, failure) -> {
            if (failure != null) {
                LOG.warn("budget counters of gateway {} not updated: {}", gateway, failure.toString());
            }
            return null;
        }));
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
