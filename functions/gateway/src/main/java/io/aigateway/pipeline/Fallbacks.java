package io.aigateway.pipeline;

import java.util.ArrayList;
import java.util.List;

/** The universal endpoint's steps: which one answered, and which failed before it. */
public final class Fallbacks {
    private Integer answered;
    private final List<Integer> failed = new ArrayList<>();

    /** Null outside the universal endpoint, and when every step failed. */
    public Integer answered() {
        return answered;
    }

    public List<Integer> failed() {
        return List.copyOf(failed);
    }

    public int failedCount() {
        return failed.size();
    }

    public void trying(int step) {
        answered = step;
    }

    public void failed(int step) {
        failed.add(step);
        answered = null;
    }
}
