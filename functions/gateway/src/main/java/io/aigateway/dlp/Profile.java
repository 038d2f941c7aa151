package io.aigateway.dlp;

import java.util.Set;

/** A named set of detectors: one of the four built-ins, or an admin-defined one. */
public sealed interface Profile permits Profile.BuiltIn, CustomProfile {
    String name();

    /** The finding types this profile can report. */
    Set<String> types();

    /** A built-in profile; its detectors live in one shared single-pass engine. */
    record BuiltIn(String name, Set<String> types) implements Profile {
        public BuiltIn {
            types = Set.copyOf(types);
        }
    }
}
