package io.aigateway.store;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts DynamoDB calls and their time by operation (an SDK interceptor on the gateway's client), so the
 * benchmark and operators can see how many store calls a request costs and how long they take. Two adders per
 * operation; no locks on the request path.
 */
public final class StoreStats implements ExecutionInterceptor {
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("aigw-store-started");

    private record Counter(LongAdder calls, LongAdder nanos, LongAdder failures) {
        Counter() {
            this(new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    public record Snapshot(long calls, double totalMillis, long failures) {
    }

    private final Map<String, Counter> byOperation = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        attributes.putAttribute(STARTED, System.nanoTime());
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        record(attributes, false);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        record(attributes, true);
    }

    private void record(ExecutionAttributes attributes, boolean failed) {
        Long started = attributes.getAttribute(STARTED);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Counter c = byOperation.computeIfAbsent(operation == null ? "unknown" : operation, k -> new Counter());
        c.calls().increment();
        if (started != null) {
            c.nanos().add(System.nanoTime() - started);
        }
        if (failed) {
            c.failures().increment();
        }
    }

    public Map<String, Snapshot> snapshot() {
        Map<String, Snapshot> out = new TreeMap<>();
        byOperation.forEach((op, c) -> out.put(op, new Snapshot(c.calls().sum(), c.nanos().sum() / 1e6,
                c.failures().sum())));
        return out;
    }
}
