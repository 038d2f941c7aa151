package io.aigateway.ingest;

import io.aigateway.budget.AlertPublisher;
import io.aigateway.budget.SpendAlert;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Spend alerts to an SNS topic (the template's {@code SpendAlertsTopic}): the subject names the gateway, rule and
 * threshold; the message is the alert as JSON. A failed publish throws, so the ingest sends it on the next delivery.
 */
public final class SnsAlertPublisher implements AlertPublisher {
    private final SnsClient sns;
    private final String topicArn;

    public SnsAlertPublisher(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(SpendAlert alert) {
        sns.publish(b -> b.topicArn(topicArn).subject(alert.subject()).message(alert.toJson()));
    }
}
