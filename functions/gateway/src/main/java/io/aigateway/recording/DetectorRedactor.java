package io.aigateway.recording;

import io.aigateway.config.DlpSettings;
import io.aigateway.config.GatewaySettings;
import io.aigateway.config.LogRedaction;
import io.aigateway.dlp.Finding;
import io.aigateway.dlp.Redactor;
import io.aigateway.dlp.Scanner;
import io.aigateway.pipeline.RequestContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The gateway's {@code log_redaction} setting: {@code detectors} replaces what every DLP profile (the built-ins and
 * the gateway's own) finds with a placeholder such as {@code [EMAIL_1]}; {@code bodies} records no body at all and
 * masks metadata the same way; {@code off} keeps them. A request that a DLP policy blocked or redacted is
 * recorded as with {@code detectors} even when the setting is off: the values a policy stopped must not reach
 * the logs either.
 */
public final class DetectorRedactor implements LogRedactor {
    @Override
    public RecordMask mask(RequestContext ex) {
        GatewaySettings settings = ex.settings();
        LogRedaction mode = settings == null ? LogRedaction.OFF : settings.logRedaction();
        if (mode == LogRedaction.OFF && ex.dlp().masksLogs()) {
            mode = LogRedaction.DETECTORS;
        }
        if (mode == LogRedaction.OFF) {
            return RecordMask.NONE;
        }
        DlpSettings dlp = settings.dlp();
        return new Mask(dlp.scanner(), dlp.registry().names(), mode == LogRedaction.DETECTORS);
    }

    private static final class Mask implements RecordMask {
        private final Scanner scanner;
        private final Set<String> profiles;
        private final boolean keepBodies;
        private final Redactor redactor = new Redactor(); // one per record: a value has one placeholder throughout

        Mask(Scanner scanner, Set<String> profiles, boolean keepBodies) {
            this.scanner = scanner;
            this.profiles = profiles;
            this.keepBodies = keepBodies;
        }

        @Override
        public boolean keepsBodies() {
            return keepBodies;
        }

        @Override
        public String text(String raw) {
            if (raw == null || raw.isEmpty()) {
                return raw;
            }
            Unescaped u = Unescaped.of(raw);
            List<Finding> found = scanner.scan(u.text(), profiles);
            if (found.isEmpty()) {
                return raw;
            }
            List<Finding> spans = new ArrayList<>(found.size());
            for (Finding f : found) {
                spans.add(new Finding(f.type(), f.profile(), u.raw(f.start()), u.raw(f.end()), f.confidence()));
            }
            return redactor.redact(raw, spans).text();
        }
    }
}
