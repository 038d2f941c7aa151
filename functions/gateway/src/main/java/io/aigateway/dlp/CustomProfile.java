package io.aigateway.dlp;

import com.google.re2j.Pattern;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** A validated, compiled {@link ProfileDefinition}; immutable and thread-safe. */
public final class CustomProfile implements Profile {
    record CompiledPattern(String type, Pattern pattern, Predicate<CharSequence> validator) {
    }

    record Phrase(String type, String text) {
    }

    private final String name;
    private final List<CompiledPattern> patterns;
    private final List<Phrase> phrases;
    private final Set<String> types;
    private final CustomEngine engine;

    CustomProfile(String name, List<CompiledPattern> patterns, List<Phrase> phrases, Set<String> types) {
        this.name = name;
        this.patterns = List.copyOf(patterns);
        this.phrases = List.copyOf(phrases);
        this.types = Set.copyOf(types);
        this.engine = new CustomEngine(this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> types() {
        return types;
    }

    List<CompiledPattern> patterns() {
        return patterns;
    }

    List<Phrase> phrases() {
        return phrases;
    }

    CustomEngine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "CustomProfile[" + name + ", " + patterns.size() + " patterns, " + phrases.size() + " words]";
    }
}
