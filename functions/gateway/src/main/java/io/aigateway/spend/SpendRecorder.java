package io.aigateway.spend;

import io.aigateway.cost.Charge;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.recording.RequestRecorder;

/** Counts each recorded request against its budget buckets ({@link Budgets#count}). */
public final class SpendRecorder implements RequestRecorder.Observer {
    private final Budgets budgets;

    public SpendRecorder(Budgets budgets) {
        this.budgets = budgets;
    }

    @Override
    public void recorded(RequestContext ex, Charge charge) {
        budgets.count(ex, charge);
    }
}
