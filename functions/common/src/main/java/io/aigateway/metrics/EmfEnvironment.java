package io.aigateway.metrics;

import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

/**
 * A fixed EMF environment: no probing of the host (the library's default detection runs asynchronously and may
 * look for a CloudWatch agent), no default dimensions (the dashboard reads exact dimension sets), one sink.
 */
public final class EmfEnvironment implements Environment {
    private final ISink sink;

    public EmfEnvironment(ISink sink) {
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

    /**
     * Not empty: with an empty name the library's flush tries to add a LogGroup default dimension, fails its
     * validation and swallows the exception, on every document. The name is never emitted: setDimensions replaces
     * the default dimensions.
     */
    @Override
    public String getLogGroupName() {
        return "ai-gateway";
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
