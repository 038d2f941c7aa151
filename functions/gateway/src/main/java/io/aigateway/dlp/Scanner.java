package io.aigateway.dlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Finds sensitive values in text. Thread-safe and cheap to share: one per registry of profiles. Built-in profiles
 * run together in one pass over the text; each custom profile asked for adds a pass of its own.
 */
public final class Scanner {
    /** Text kept before a candidate's start for its detectors to look back at (context keywords, boundaries). */
    static final int LOOKBEHIND = BuiltinEngine.CONTEXT_BEFORE + 16;

    static final Comparator<Finding> ORDER = Comparator.comparingInt(Finding::start)
            .thenComparing(Comparator.comparingInt(Finding::end).reversed())
            .thenComparing(Finding::type);

    private final DlpProfiles profiles;
    private final BuiltinEngine[] builtIns = new BuiltinEngine[BuiltinEngine.ALL + 1];

    public Scanner(DlpProfiles profiles) {
        this.profiles = profiles;
        for (int m = 1; m <= BuiltinEngine.ALL; m++) {
            builtIns[m] = new BuiltinEngine(m);
        }
    }

    /** Findings of at least {@link Confidence#MEDIUM}, ordered by start. */
    public List<Finding> scan(CharSequence text, Set<String> profileNames) {
        return scan(text, profileNames, Confidence.MEDIUM);
    }

    /**
     * Findings of at least {@code minimum} confidence, ordered by start. Built-in findings never overlap one
     * another; a custom profile's may overlap them or each other.
     *
     * @throws IllegalArgumentException if a profile name is unknown
     */
    public List<Finding> scan(CharSequence text, Set<String> profileNames, Confidence minimum) {
        List<Engine> engines = engines(profileNames);
        Window w = Window.of(text);
        List<Finding> out = new ArrayList<>();
        for (Engine e : engines) {
            e.scan(w, 0, out);
        }
        return finish(out, minimum);
    }

    /** An incremental scanner for one stream (findings of at least {@link Confidence#MEDIUM}). */
    public StreamScanner stream(Set<String> profileNames) {
        return stream(profileNames, Confidence.MEDIUM);
    }

    public StreamScanner stream(Set<String> profileNames, Confidence minimum) {
        return new StreamScanner(engines(profileNames), minimum);
    }

    static List<Finding> finish(List<Finding> found, Confidence minimum) {
        List<Finding> out = new ArrayList<>(found.size());
        for (Finding f : found) {
            if (f.confidence().atLeast(minimum)) {
                out.add(f);
            }
        }
        out.sort(ORDER);
        return out;
    }

    List<Engine> engines(Set<String> profileNames) {
        int mask = 0;
        List<Engine> engines = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String name : profileNames) {
            Profile p = profiles.get(name).orElse(null);
            if (p == null) {
                unknown.add(name);
            } else if (p instanceof CustomProfile c) {
                engines.add(c.engine());
            } else {
                mask |= BuiltinType.bit(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown DLP profile(s): " + unknown + "; known: " + profiles.names());
        }
        if (mask != 0) {
            engines.add(0, builtIns[mask]);
        }
        return engines;
    }
}
