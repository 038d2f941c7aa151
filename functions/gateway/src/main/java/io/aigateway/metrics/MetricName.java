package io.aigateway.metrics;

import software.amazon.cloudwatchlogs.emf.model.Unit;

import java.util.List;

/**
 * Every metric the gateway emits, namespace {@value #NAMESPACE}, each with every one of {@link #DIMENSION_SETS};
 * the log ingest function's metrics are {@link Ingest}. The dashboard and alarms in template.yaml read exactly these
 * names with exactly these dimension sets; TemplateDashboardTest holds the two together.
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
    StoreErrors(Unit.COUNT),
    /** 1 when a DLP policy (or a managed engine failing closed) blocked the request or its answer, else 0. */
    DlpBlocked(Unit.COUNT),
    /** 1 when the document carries the request's log record (the log ingest stores it), else 0. */
    RecordsEmitted(Unit.COUNT);

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

    /**
     * The metrics the log ingest function emits, namespace {@value MetricName#NAMESPACE}, with no dimensions: one
     * series for the whole stack (the ingest reads every gateway's records in one batch). The records-lost alarm
     * compares {@code RecordsIngested + RecordsParked} with the gateways' {@link MetricName#RecordsEmitted}.
     */
    public enum Ingest {
        /** Log records ("aigw":"log" lines) stored, each counted once however often it is delivered. */
        RecordsIngested(Unit.COUNT),
        /** Records that could not be stored and were parked in the table for an operator. */
        RecordsParked(Unit.COUNT),
        /** Records skipped because their batch had already been applied (a delivery repeated). */
        IngestDuplicates(Unit.COUNT);

        /** The one dimension set of every ingest metric document: none. */
        public static final List<List<String>> DIMENSION_SETS = List.of(List.of());

        private final Unit unit;

        Ingest(Unit unit) {
            this.unit = unit;
        }

        public Unit unit() {
            return unit;
        }
    }
}
