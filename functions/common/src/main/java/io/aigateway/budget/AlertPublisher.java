package io.aigateway.budget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where spend alerts go: an SNS topic on AWS (the log-ingest function), a topic or the process log locally. A
 * publish that throws makes the ingest deliver its batch again; the alert's marker is taken back first, so the alert
 * is sent on that delivery instead.
 */
@FunctionalInterface
public interface AlertPublisher {
    void publish(SpendAlert alert);

    /** No alerts at all: thresholds are not even checked (no marker writes). */
    AlertPublisher NONE = alert -> {
    };

    /** Alerts as WARN lines of the process log (the local runtime without a topic). */
    static AlertPublisher logging() {
        Logger log = LoggerFactory.getLogger(AlertPublisher.class);
        return alert -> log.warn("spend alert: {} {}", alert.subject(), alert.toJson());
    }
}
