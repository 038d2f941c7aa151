package io.aigateway.guard;

import io.aigateway.config.DlpSettings;
import io.aigateway.dlp.Finding;
import io.aigateway.dlp.Redactor;
import io.aigateway.dlp.Scanner;
import io.aigateway.dlp.StreamScanner;
import io.aigateway.pipeline.DlpOutcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The response-side policies applied to one answer's text: findings are recorded; BLOCK throws {@link DlpBlock};
 * REDACT replaces values with {@code [REDACTED_EMAIL_1]}-style placeholders (a prefix of their own, so they never
 * collide with the request's placeholders, which are restored). Streamed text is scanned incrementally: a channel
 * holds back only what a detector still needs to decide (see {@link StreamScanner}).
 */
final class ResponseCheck implements StreamText {
    private static final String PREFIX = "redacted_";

    private final Scanner scanner;
    private final List<DlpSettings.Policy> policies;
    private final Set<String> profiles;
    private final DlpOutcome outcome;
    private final Redactor redactor = new Redactor();

    ResponseCheck(DlpSettings settings, List<DlpSettings.Policy> policies, DlpOutcome outcome) {
        this.scanner = settings.scanner();
        this.policies = policies;
        this.profiles = Verdict.profiles(policies);
        this.outcome = outcome;
    }

    @Override
    public String whole(String text) {
        return judge(text, scan(text));
    }

    /** Whether any policy of this side names a profile (engines alone do not scan streams). */
    boolean scansText() {
        return !profiles.isEmpty();
    }

    /** The built-in findings in one text, not yet judged. */
    List<Finding> scan(String text) {
        return profiles.isEmpty() ? List.of() : scanner.scan(text, profiles);
    }

    /** Records findings without a position; BLOCK throws {@link DlpBlock}. They are never redacted. */
    void judgeUnplaced(List<Finding> findings) {
        if (findings.isEmpty()) {
            return;
        }
        Verdict v = new Verdict(policies, findings, false);
        v.record(outcome);
        if (v.blocks()) {
            throw new DlpBlock("Response content blocked due to DLP policy violations: " + v.blockReason() + ".");
        }
    }

    @Override
    public Channel channel() {
        StreamScanner s = scanner.stream(profiles);
        StringBuilder pending = new StringBuilder();
        int[] base = {0};
        return new Channel() {
            @Override
            public String feed(String text) {
                pending.append(text);
                return release(s.feed(text));
            }

            @Override
            public String finish() {
                return release(s.finish());
            }

            private String release(StreamScanner.Step step) {
                int n = step.releasable();
                if (n == 0) {
                    return "";
                }
                String out = pending.substring(0, n);
                pending.delete(0, n);
                List<Finding> local = new ArrayList<>(step.findings().size());
                for (Finding f : step.findings()) {
                    local.add(new Finding(f.type(), f.profile(), f.start() - base[0], f.end() - base[0],
                            f.confidence()));
                }
                base[0] += n;
                return judge(out, local);
            }
        };
    }

    /** Judges the findings in one text (built-in, and engines' where they were gathered): records, blocks, redacts. */
    String judge(String text, List<Finding> findings) {
        if (findings.isEmpty()) {
            return text;
        }
        Verdict v = new Verdict(policies, findings, false);
        v.record(outcome);
        if (v.blocks()) {
            throw new DlpBlock("Response content blocked due to DLP policy violations: " + v.blockReason() + ".");
        }
        List<Finding> redact = v.toRedact();
        if (redact.isEmpty()) {
            return text;
        }
        List<Finding> relabelled = new ArrayList<>(redact.size());
        for (Finding f : redact) {
            relabelled.add(new Finding(PREFIX + f.type(), f.profile(), f.start(), f.end(), f.confidence()));
        }
        return redactor.redact(text, relabelled).text();
    }
}
