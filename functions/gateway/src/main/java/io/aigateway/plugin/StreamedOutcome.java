package io.aigateway.plugin;

import java.util.Map;
import java.util.Optional;

/**
 * A streamed answer's phase result, after its last byte was sent: nothing here can change what the client got.
 *
 * @param flaggedBy   {@code plugin:<name>} or {@code hook:<id>} of the first that would have blocked the answer
 *                    (or failed closed); empty when all allowed. A flagged answer must not be cached, and the log
 *                    should record the flag.
 * @param annotations for the request log (including notes on decisions that could not apply to a sent stream)
 */
public record StreamedOutcome(Optional<String> flaggedBy, String message, Map<String, String> annotations) {

    public boolean cacheable() {
        return flaggedBy.isEmpty();
    }
}
