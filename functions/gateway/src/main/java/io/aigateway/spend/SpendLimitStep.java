package io.aigateway.spend;

import io.aigateway.config.LimitRule;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;

import java.util.List;

/**
 * A provider step, after the cache (a cached answer costs nothing, so it is served even when a budget is spent) and
 * before the provider call: reserves the request's estimate on each budget bucket of the provider and model it is
 * actually about to call ({@link Budgets#admit}); when one does not fit (or an observe-mode bucket is exhausted), 429
 * with code 2046 (spend) or 2047 (tokens), naming the rule, with {@code Retry-After} set to when that bucket's window
 * ends. A store failure lets the request through (counted as a store error).
 */
public final class SpendLimitStep implements Interceptor {
    private final Budgets budgets;

    public SpendLimitStep(Budgets budgets) {
        this.budgets = budgets;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        List<Buckets.Bucket> buckets = budgets.buckets(ex, chain.request());
        if (buckets.isEmpty()) {
            return chain.proceed(chain.request());
        }
        Budgets.Over over = budgets.admit(ex, chain.request(), buckets);
        if (over != null) {
            long retryAfter = Math.max(1, over.bucket().windowEnd() - budgets.nowMillis() / 1000);
            LimitRule rule = over.bucket().rule();
            throw new GatewayException(rule.isSpend() ? ErrorCode.SPEND_LIMITED : ErrorCode.TOKEN_LIMITED,
                    message(ex.gatewayId(), over, retryAfter),
                    Headers.builder().add("Retry-After", Long.toString(retryAfter)).build(), null);
        }
        return chain.proceed(chain.request());
    }

    /** Names the rule and what it splits by, never the request's values (they may be client-chosen). */
    static String message(String gateway, Budgets.Over over, long retryAfter) {
        LimitRule rule = over.bucket().rule();
        String what = rule.isSpend() ? "Spend limit" : "Token limit";
        String amount = rule.isSpend() ? "$" + rule.limit().toPlainString()
                : rule.limit().toPlainString() + " " + rule.count().name().toLowerCase() + " tokens";
        String per = over.bucket().labels().isEmpty() ? "" : " per " + String.join(", ", over.bucket().labels().keySet());
        String head = what + " reached: rule '" + rule.id() + "' of gateway '" + gateway + "' allows " + amount
                + " per " + rule.windowSeconds() + " seconds" + per;
        if (over.estimate().compareTo(rule.limit()) > 0) {
            return head + ", and this request alone may use up to " + figure(rule, over.estimate())
                    + " (its input plus max_tokens, or " + Estimate.DEFAULT_OUTPUT_TOKENS + " output tokens when it sets"
                    + " none). Lower max_tokens or raise the limit.";
        }
        StringBuilder m = new StringBuilder(head).append(", and this bucket has used ")
                .append(over.used() == null ? "its limit" : figure(rule, over.used()));
        if (over.held().signum() > 0) {
            m.append(" with ").append(figure(rule, over.held())).append(" held by requests in flight");
        }
        if (over.estimate().signum() > 0) {
            m.append("; this request may use up to ").append(figure(rule, over.estimate()));
        }
        return m.append(". Retry after ").append(retryAfter).append(" seconds.").toString();
    }

    private static String figure(LimitRule rule, java.math.BigDecimal v) {
        String n = v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
        return rule.isSpend() ? "$" + n : n + " tokens";
    }
}
