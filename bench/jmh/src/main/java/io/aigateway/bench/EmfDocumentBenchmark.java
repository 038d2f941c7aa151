package io.aigateway.bench;

import io.aigateway.cost.Charge;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.metrics.RequestMetrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The per-request Embedded Metric Format document (aws-embedded-metrics): MetricsLogger, three dimension sets, 11
 * metrics, properties, serialized to JSON by the sink; the sink then drops the string (keeps only its length).
 * Warm-up is longer than elsewhere (5 x 2 s): Jackson bean serialization plus the EMF library is a large amount of
 * code for the JIT, and 3 x 1 s on two busy cores left it mid-compilation (time per op still falling 10x).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
public class EmfDocumentBenchmark {
    private RequestMetrics metrics;
    private RequestContext context;
    private long chars;

    @Setup
    public void setup() {
        metrics = new RequestMetrics(null, true);
        context = Fixtures.context(Fixtures.routeParser());
        context.finish();
        chars += metrics.line(context, Charge.UNKNOWN, null).length();
        Fixtures.check(chars > 500, "EMF document serialized");
    }

    @Benchmark
    public long emit() {
        return metrics.line(context, Charge.UNKNOWN, null).length();
    }
}
