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
import java.util.Map;
import java.util.Set;

/**
 * The gateway's {@code log_redaction} setting: {@code detectors} replaces what every DLP profile (the built-ins and
 * the gateway's own) finds with a placeholder such as {@code [EMAIL_1]}; {@code bodies} records no body at all and
 * masks metadata the same way; {@code off} keeps them. A request that a DLP policy blocked or redacted is
 * recorded as with {@code detectors} even when the setting is off: the values a policy stopped must not reach
 * the logs either. Values a managed engine found in the request (Comprehend's entities, a guardrail's matches) are
 * masked with the detectors' findings.
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
        return new Mask(dlp.scanner(), dlp.registry().names(), ex.dlp().engineValues(),
                mode == LogRedaction.DETECTORS);
    }

    private static final class Mask implements RecordMask {
        private final Scanner scanner;
        private final Set<String> profiles;
        private final boolean keepBodies;
        private final Map<String, String> engineValues;
        private final Redactor redactor = new Redactor(); // one per record: a value has one placeholder throughout

        Mask(Scanner scanner, Set<String> profiles, Map<String, String> engineValues, boolean keepBodies) {
            this.scanner = scanner;
            this.profiles = profiles;
            this.engineValues = engineValues;
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
            if (!engineValues.isEmpty()) {
                found = new ArrayList<>(found);
                // what managed engines found in this request is masked wherever it appears (they cannot be re-asked)
                for (Map.Entry<String, String> e : engineValues.entrySet()) {
                    String text = u.text();
                    for (int at = text.indexOf(e.getKey()); at >= 0; at = text.indexOf(e.getKey(), at + 1)) {
                        found.add(new Finding(e.getValue(), "engine", at, at + e.getKey().length(),
                                io.aigateway.dlp.Confidence.HIGH));
                    }
                }
            }
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
