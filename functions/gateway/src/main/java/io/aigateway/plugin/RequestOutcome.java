package io.aigateway.plugin;

import java.util.Map;

/**
 * The request phase's one result. {@link Blocked} becomes 403 with code 2043 ({@code PLUGIN_BLOCKED}) and
 * {@link Blocked#clientMessage()}; {@link Blocked#by()} ({@code plugin:<name>} or {@code hook:<id>}) goes in the log.
 * Either way {@link #annotations()} belong in the request log.
 */
public sealed interface RequestOutcome {

    Map<String, String> annotations();

    /** Go on, with {@code edits} applied to what is sent upstream (and to what the cache key is computed from). */
    record Proceed(RequestEdits edits, Map<String, String> annotations) implements RequestOutcome {
    }

    /**
     * @param by      {@code plugin:<name>} or {@code hook:<id>}
     * @param message the plug-in's or hook's own words (bounded, one line), or a description of its failure
     */
    record Blocked(String by, String message, Map<String, String> annotations) implements RequestOutcome {
        public String clientMessage() {
            return Outcomes.clientMessage("Request", by, message);
        }
    }
}
