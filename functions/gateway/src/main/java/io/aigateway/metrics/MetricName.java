package io.aigateway.metrics;

import software.amazon.cloudwatchlogs.emf.model.Unit;

import java.util.List;

/**
 * Every metric the gateway emits, namespace {@value #NAMESPACE}. The dashboard and alarms in template.yaml read
 * exactly these names with exactly {@link #DIMENSION_SETS}; TemplateDashboardTest holds the two together.
 */
public enum MetricName {
    Requests(Unit.COUNT),
    Errors(Unit.COUNT),
    CacheHits(Unit.COUNT),
    RateLimited(Unit.COUNT),
    Retries(Unit.COUNT),
    Fallbacks(Unit.COUNT),
    TokensIn(Unit.COUNT),
    TokensOut(Unit.COUNT),
    Cost(Unit.NONE),
    Latency(Unit.MILLISECONDS),
    UpstreamLatency(Unit.MILLISECONDS),
    TimeToFirstByte(Unit.MILLISECONDS),
    StoreErrors(Unit.COUNT);

    public static final String NAMESPACE = "AIGateway";
    public static final String GATEWAY = "Gateway";
    public static final String PROVIDER = "Provider";
    public static final String MODEL = "Model";

    /** The dimension sets every metric document carries. */
    public static final List<List<String>> DIMENSION_SETS = List.of(
            List.of(GATEWAY),
            List.of(GATEWAY, PROVIDER),
            List.of(GATEWAY, PROVIDER, MODEL));

    private final Unit unit;

    MetricName(Unit unit) {
        this.unit = unit;
    }

    public Unit unit() {
        return unit;
    }
}
