package io.aigateway.guard;

import io.aigateway.config.DlpSettings;
import io.aigateway.config.DlpSettings.Action;
import io.aigateway.config.DlpSettings.Policy;
import io.aigateway.dlp.Finding;
import io.aigateway.pipeline.DlpOutcome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the policies of one side say about a set of findings: each finding's action (the most severe of the
 * policies whose profiles found it), and the matches the header and the log report. Pure: recording is
 * {@link #record(DlpOutcome)}.
 */
final class Verdict {
    private final List<Policy> policies;
    private final List<Finding> findings;
    private final String check;
    private Action action;

    Verdict(List<Policy> policies, List<Finding> findings, boolean request) {
        this.policies = policies;
        this.findings = findings;
        this.check = request ? "REQUEST" : "RESPONSE";
        for (Finding f : findings) {
            Action a = actionFor(policies, f);
            if (a != null && (action == null || a.compareTo(action) > 0)) {
                action = a;
            }
        }
    }

    /** Null when nothing matched. */
    Action action() {
        return action;
    }

    boolean blocks() {
        return action == Action.BLOCK;
    }

    /** Whether every finding a BLOCK policy covers comes from one of {@code profiles} (engine ids, say). */
    boolean blocksOnlyThrough(Set<String> profiles) {
        for (Finding f : findings) {
            if (actionFor(policies, f) == Action.BLOCK && !profiles.contains(f.profile())) {
                return false;
            }
        }
        return blocks();
    }

    List<Finding> findings() {
        return findings;
    }

    /** The findings a REDACT policy (and no BLOCK one) covers. */
    List<Finding> toRedact() {
        List<Finding> out = new ArrayList<>();
        for (Finding f : findings) {
            if (actionFor(policies, f) == Action.REDACT) {
                out.add(f);
            }
        }
        return out;
    }

    /** Whether the answer may show this redacted value again: no REDACT policy covering it says restore=false. */
    boolean restorable(Finding f) {
        for (Policy p : policies) {
            if (p.action() == Action.REDACT && p.covers(f.profile()) && !p.restore()) {
                return false;
            }
        }
        return true;
    }

    /** Adds counts, matches and the action to the request's outcome. */
    void record(DlpOutcome outcome) {
        if (findings.isEmpty()) {
            return;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Set<String>> typesByProfile = new LinkedHashMap<>();
        for (Finding f : findings) {
            counts.merge(f.type(), 1, Integer::sum);
            typesByProfile.computeIfAbsent(f.profile(), k -> new TreeSet<>()).add(f.type());
        }
        counts.forEach(outcome::found);
        typesByProfile.forEach((profile, types) -> {
            List<String> ids = new ArrayList<>();
            for (Policy p : policies) {
                if (p.covers(profile)) {
                    ids.add(p.id());
                }
            }
            outcome.matched(new DlpOutcome.Match(profile, List.copyOf(types), ids, check));
        });
        if (action != null) {
            outcome.acted(action.name());
        }
    }

    /** "policy 'no-cards' (financial: credit_card)": what blocked, never the values. */
    String blockReason() {
        Map<String, Set<String>> typesByPolicy = new LinkedHashMap<>();
        for (Finding f : findings) {
            for (Policy p : policies) {
                if (p.action() == Action.BLOCK && p.covers(f.profile())) {
                    typesByPolicy.computeIfAbsent("policy '" + p.id() + "' (" + f.profile(), k -> new TreeSet<>())
                            .add(f.type());
                }
            }
        }
        List<String> parts = new ArrayList<>();
        typesByPolicy.forEach((k, types) -> parts.add(k + ": " + String.join(", ", types) + ")"));
        return String.join("; ", parts);
    }

    static Action actionFor(List<Policy> policies, Finding f) {
        Action a = null;
        for (Policy p : policies) {
            if (p.covers(f.profile()) && (a == null || p.action().compareTo(a) > 0)) {
                a = p.action();
            }
        }
        return a;
    }

    /** The profiles the scanner is asked for: every profile some policy of this side names (engines are not). */
    static Set<String> profiles(List<Policy> policies) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Policy p : policies) {
            out.addAll(p.profiles());
        }
        return out;
    }

    static List<Policy> active(DlpSettings settings, boolean request) {
        return settings == null ? List.of() : settings.active(request);
    }
}
