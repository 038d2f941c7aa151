package io.aigateway.spend;

import io.aigateway.budget.Settlement;
import io.aigateway.cost.Charge;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.recording.RequestRecorder;

/** Puts each request's budget settlement ({@link Budgets#settlement}) in its record, for the ingest to apply. */
public final class SpendRecorder implements RequestRecorder.Settler {
    private final Budgets budgets;

    public SpendRecorder(Budgets budgets) {
        this.budgets = budgets;
    }

    @Override
    public Settlement settlement(RequestContext ex, Charge charge) {
        return budgets.settlement(ex, charge);
    }
}
