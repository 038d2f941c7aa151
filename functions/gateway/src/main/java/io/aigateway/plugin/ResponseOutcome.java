package io.aigateway.plugin;

import java.util.Map;

/**
 * A buffered answer's phase result. {@link Blocked} replaces the answer with 403 / code 2043 (and the answer is not
 * cached); {@link Proceed} carries the edits to apply before the answer is sent and cached.
 */
public sealed interface ResponseOutcome {

    Map<String, String> annotations();

    record Proceed(ResponseEdits edits, Map<String, String> annotations) implements ResponseOutcome {
    }

    record Blocked(String by, String message, Map<String, String> annotations) implements ResponseOutcome {
        public String clientMessage() {
            return Outcomes.clientMessage("Response", by, message);
        }
    }
}
