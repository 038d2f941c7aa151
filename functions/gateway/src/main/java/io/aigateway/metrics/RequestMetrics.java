package io.aigateway.metrics;

import io.aigateway.budget.Settlement;
import io.aigateway.core.ErrorCode;
import io.aigateway.cost.Charge;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.ingest.RecordFormat;
import io.aigateway.log.RequestLog;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One Embedded Metric Format document per request (aws-embedded-metrics). On AWS the document is also the request's
 * record line: the log travels in it as extra root members ({@code "aigw":"log","log":{...}}), which EMF allows, so
 * one stdout line carries both and CloudWatch extracts the metrics while the log-ingest function stores the log.
 * Every document carries the three dimension sets of {@link MetricName#DIMENSION_SETS}, with values bounded by
 * {@link MetricDimensions} (client input never mints a series); the log keeps the raw values.
 */
public final class RequestMetrics {
    public static final String UNKNOWN = MetricDimensions.UNKNOWN;
    private final ISink observer;
    private final boolean enabled;
    private final MetricDimensions dimensions;

    /**
     * @param observer also receives every document (the local runtime's CloudWatch publisher, tests); may be null
     * @param enabled  false: no metrics (GATEWAY_METRICS=off); record lines then carry the log alone
     */
    public RequestMetrics(ISink observer, boolean enabled) {
        this(observer, enabled, MetricDimensions.standard());
    }

    /** @param dimensions bounds every dimension value (see {@link MetricDimensions}) */
    public RequestMetrics(ISink observer, boolean enabled, MetricDimensions dimensions) {
        this.observer = observer;
        this.enabled = enabled;
        this.dimensions = dimensions;
    }

    /** Metrics only in the record lines (Lambda: stdout), or none when disabled. */
    public static RequestMetrics standard(boolean enabled) {
        return new RequestMetrics(null, enabled);
    }

    /**
     * The record line of a finished request: its EMF document carrying {@code log} (when logged), or the log alone
     * when metrics are off. Empty when there is neither.
     */
    public String line(RequestContext ex, Charge charge, RequestLog log) {
        return line(ex, charge, log, ex.options() == null ? java.util.Map.of() : ex.options().metadata());
    }

    /** As {@link #line(RequestContext, Charge, RequestLog)}, with the metadata as the record carries it (masked). */
    public String line(RequestContext ex, Charge charge, RequestLog log, java.util.Map<String, Object> metadata) {
        return line(ex, charge, log, metadata, null);
    }

    /**
     * As above, also carrying the request's budget settlement ({@code "spend"}, null: none); a request whose log is
     * off still leaves a record line then ({@code "aigw":"spend"}).
     */
    public String line(RequestContext ex, Charge charge, RequestLog log, java.util.Map<String, Object> metadata,
                       Settlement spend) {
        if (!enabled) {
            return log == null && spend == null ? null : RecordFormat.logLine(log, spend);
        }
        String[] serialized = new String[1];
        MetricsLogger m = document(ex, charge, metadata, new EmfEnvironment(new ISink() {
            @Override
            public void accept(MetricsContext context) {
                try {
                    serialized[0] = String.join("\n", context.serialize());
                } catch (Exception e) {
                    throw new IllegalStateException("EMF serialization failed", e);
                }
                if (observer != null) {
                    observer.accept(context);
                }
            }

            @Override
            public CompletableFuture<Void> shutdown() {
                return CompletableFuture.completedFuture(null);
            }
        }));
        m.putMetric(MetricName.RecordsEmitted.name(), log == null ? 0 : 1, MetricName.RecordsEmitted.unit());
        if (log != null) {
            m.putProperty(RecordFormat.MARKER, RecordFormat.LOG);
            m.putProperty(RecordFormat.LOG, RecordFormat.logMembers(log));
        } else if (spend != null) {
            m.putProperty(RecordFormat.MARKER, RecordFormat.SPEND);
        }
        if (spend != null) {
            m.putProperty(RecordFormat.SPEND, spend.toJson());
        }
        m.flush();
        return serialized[0];
    }

    private MetricsLogger document(RequestContext ex, Charge charge, java.util.Map<String, Object> metadata,
                                   EmfEnvironment env) {
        MetricsLogger m = logger(env, dimensions.of(ex));
        boolean hit = ex.cache().hit();
        m.putMetric(MetricName.Requests.name(), 1, MetricName.Requests.unit());
        m.putMetric(MetricName.Errors.name(), ex.answer().success() ? 0 : 1, MetricName.Errors.unit());
        m.putMetric(MetricName.CacheHits.name(), hit ? 1 : 0, MetricName.CacheHits.unit());
        m.putMetric(MetricName.RateLimited.name(), ex.rateLimited() ? 1 : 0, MetricName.RateLimited.unit());
        m.putMetric(MetricName.DlpBlocked.name(), "BLOCK".equals(ex.dlp().action()) ? 1 : 0,
                MetricName.DlpBlocked.unit());
        m.putMetric(MetricName.Retries.name(), Math.max(0, ex.answer().attempts() - 1), MetricName.Retries.unit());
        m.putMetric(MetricName.Fallbacks.name(), ex.fallbacks().failedCount(), MetricName.Fallbacks.unit());
        m.putMetric(MetricName.Latency.name(), ex.timings().durationMillis(), MetricName.Latency.unit());
        m.putMetric(MetricName.TimeToFirstByte.name(), ex.timings().timeToFirstByteMillis(),
                MetricName.TimeToFirstByte.unit());
        if (ex.timings().upstreamCalled()) {
            m.putMetric(MetricName.UpstreamLatency.name(), ex.timings().upstreamMillis(),
                    MetricName.UpstreamLatency.unit());
        }
        if (ex.usage().tokensIn() >= 0) {
            m.putMetric(MetricName.TokensIn.name(), ex.usage().tokensIn(), MetricName.TokensIn.unit());
        }
        if (ex.usage().tokensOut() >= 0) {
            m.putMetric(MetricName.TokensOut.name(), ex.usage().tokensOut(), MetricName.TokensOut.unit());
        }
        m.putMetric(MetricName.StoreErrors.name(), storeErrors(ex), MetricName.StoreErrors.unit());
        if (charge.usd() != null) {
            m.putMetric(MetricName.Cost.name(), charge.usd(), MetricName.Cost.unit());
        }
        if (charge.savedUsd() != null) {
            m.putProperty("costSaved", charge.savedUsd());
        }
        m.putProperty("cached", hit);
        m.putProperty("logId", ex.logId());
        m.putProperty("statusCode", ex.answer().status());
        metadata.forEach((k, v) -> m.putProperty("metadata." + k, v));
        return m;
    }

    /**
     * Store failures the request met. A refusal with code 2040 is one even when no step counted it: the gateway's
     * settings could not be read (or were not, this instance being flooded with unknown gateway ids).
     */
    private static int storeErrors(RequestContext ex) {
        return ex.storeErrors() == 0 && ex.answer().error() == ErrorCode.SETTINGS_UNAVAILABLE ? 1 : ex.storeErrors();
    }

    /** A store call failed after the request's record was written (a cache fill): a document of its own. */
    public String storeErrorLine(String gateway, String provider, String model) {
        if (!enabled) {
            return null;
        }
        List<String> out = new java.util.ArrayList<>(1);
        MetricsLogger m = logger(new EmfEnvironment(sinkOf(out::add)), dimensions.of(gateway, provider, model));
        m.putMetric(MetricName.StoreErrors.name(), 1, MetricName.StoreErrors.unit());
        m.flush();
        return out.isEmpty() ? null : out.get(0);
    }

    private static MetricsLogger logger(EmfEnvironment env, MetricDimensions.Values d) {
        MetricsLogger m = new MetricsLogger(env);
        m.setNamespace(MetricName.NAMESPACE);
        m.setDimensions(
                DimensionSet.of(MetricName.GATEWAY, d.gateway()),
                DimensionSet.of(MetricName.GATEWAY, d.gateway(), MetricName.PROVIDER, d.provider()),
                DimensionSet.of(MetricName.GATEWAY, d.gateway(), MetricName.PROVIDER, d.provider(),
                        MetricName.MODEL, d.model()));
        return m;
    }

    /** The model asked for, else the one the provider's answer named. */
    public static String modelOf(RequestContext ex) {
        ProxyRequest target = ex.target();
        if (target != null && target.model() != null) {
            return target.model();
        }
        return ex.usage().model();
    }

    /** Test and local sinks: receive each serialized document. */
    public interface DocumentSink {
        void accept(String emfJson);
    }

    public static ISink sinkOf(DocumentSink target) {
        return new ISink() {
            @Override
            public void accept(MetricsContext context) {
                try {
                    for (String doc : context.serialize()) {
                        target.accept(doc);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("EMF serialization failed", e);
                }
            }

            @Override
            public CompletableFuture<Void> shutdown() {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
