package io.aigateway.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What data protection found in one request and did about it: the most severe action taken, how many values of
 * each type were found (never the values), and the matches the {@code cf-aig-dlp} header reports. The request side
 * and the response side (a streamed answer, on the thread that writes it) both add to it, hence the locking.
 */
public final class DlpOutcome {
    /** Actions in order of severity, as the log and the header spell them. */
    public static final List<String> ACTIONS = List.of("FLAG", "REDACT", "BLOCK");

    /** One profile's findings on one side, and the policies they matched (the header's shape). */
    public record Match(String profile, List<String> types, List<String> policyIds, String check) {
        public Match {
            types = List.copyOf(types);
            policyIds = List.copyOf(policyIds);
        }
    }

    private String action;
    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<Match> matches = new ArrayList<>();
    /** Values a managed engine found (value to type): the log mask hides them too. Never printed or recorded. */
    private final Map<String, String> engineValues = new java.util.HashMap<>();

    /**
     * A value a managed engine found, for the log mask only (the built-in detectors find theirs again when the
     * record is masked; an engine cannot be asked twice).
     */
    public synchronized void engineFound(String type, String value) {
        if (!value.isBlank() && engineValues.size() < 1000) {
            engineValues.putIfAbsent(value, type);
        }
    }

    /** What {@link #engineFound} collected: value to type. */
    public synchronized Map<String, String> engineValues() {
        return Map.copyOf(engineValues);
    }

    /** Records findings of {@code type} that matched a policy. */
    public synchronized void found(String type, int count) {
        counts.merge(type, count, Integer::sum);
    }

    /** Records an action taken; the log keeps the most severe. */
    public synchronized void acted(String taken) {
        if (!ACTIONS.contains(taken)) {
            throw new IllegalArgumentException("unknown DLP action " + taken);
        }
        if (action == null || ACTIONS.indexOf(taken) > ACTIONS.indexOf(action)) {
            action = taken;
        }
    }

    /** Adds a match; one of the same profile and check is merged with it (a stream reports piece by piece). */
    public synchronized void matched(Match match) {
        for (int i = 0; i < matches.size(); i++) {
            Match m = matches.get(i);
            if (m.profile().equals(match.profile()) && m.check().equals(match.check())) {
                java.util.Set<String> types = new java.util.TreeSet<>(m.types());
                types.addAll(match.types());
                java.util.Set<String> ids = new java.util.LinkedHashSet<>(m.policyIds());
                ids.addAll(match.policyIds());
                matches.set(i, new Match(m.profile(), List.copyOf(types), List.copyOf(ids), m.check()));
                return;
            }
        }
        matches.add(match);
    }

    /** FLAG, REDACT or BLOCK; null when no policy matched. */
    public synchronized String action() {
        return action;
    }

    /** Finding counts by type (empty when nothing matched). */
    public synchronized Map<String, Integer> counts() {
        return Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    public synchronized List<Match> matches() {
        return List.copyOf(matches);
    }

    /** A policy blocked or redacted something: the record masks what the detectors find, whatever the setting. */
    public synchronized boolean masksLogs() {
        return "BLOCK".equals(action) || "REDACT".equals(action);
    }

    @Override
    public synchronized String toString() {
        return "DlpOutcome[" + action + ", " + counts + "]";
    }
}
