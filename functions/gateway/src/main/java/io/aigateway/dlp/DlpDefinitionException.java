package io.aigateway.dlp;

import java.util.List;

/** A custom profile definition that cannot be used; {@link #problems()} lists every problem found, not just the first. */
public final class DlpDefinitionException extends IllegalArgumentException {
    private final List<String> problems;

    public DlpDefinitionException(List<String> problems) {
        super("invalid DLP profile definition: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
