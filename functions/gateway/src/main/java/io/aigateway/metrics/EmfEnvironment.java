package io.aigateway.metrics;

import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

/**
 * A fixed EMF environment: no probing of the host (the library's default detection runs asynchronously and may
 * look for a CloudWatch agent), no default dimensions (the dashboard reads exact dimension sets), one sink.
 */
final class EmfEnvironment implements Environment {
    private final ISink sink;

    EmfEnvironment(ISink sink) {
        this.sink = sink;
    }

    @Override
    public boolean probe() {
        return true;
    }

    @Override
    public String getName() {
        return "ai-gateway";
    }

    @Override
    public String getType() {
        return "AWS::Lambda::Function";
    }

    @Override
    public String getLogGroupName() {
        return "";
    }

    @Override
    public void configureContext(MetricsContext context) {
        // no default dimensions or properties
    }

    @Override
    public ISink getSink() {
        return sink;
    }
}
