package io.aigateway.dlpengine;

import java.util.List;

/** One service client of one region, thread-safe; the only classes that touch an engine's SDK module. */
interface EngineCaller extends AutoCloseable {
    /**
     * Checks {@code texts} (the string values of one body) against {@code spec}.
     *
     * @param request true for a request (the guardrail's INPUT), false for an answer (OUTPUT)
     * @param deadlineNanos {@link System#nanoTime()} by which the calls must be done
     */
    EngineResult.Checked check(EngineSpec spec, List<String> texts, boolean request, long deadlineNanos);

    @Override
    void close();
}
