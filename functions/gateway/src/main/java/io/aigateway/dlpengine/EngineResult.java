package io.aigateway.dlpengine;

import io.aigateway.dlp.Finding;

import java.util.List;

/** What one engine said about the texts of one request or answer. */
public sealed interface EngineResult {
    EngineSpec engine();

    /**
     * The engine answered.
     *
     * @param placed   per text (in the order given), findings with offsets into that text; the finding's profile is
     *                 the engine's id
     * @param unplaced what the engine reports without a position (a guardrail's assessments), one entry per finding
     */
    record Checked(EngineSpec engine, List<List<Finding>> placed, List<Unplaced> unplaced) implements EngineResult {
        public Checked {
            placed = List.copyOf(placed);
            unplaced = List.copyOf(unplaced);
        }
    }

    /**
     * A finding without a position.
     *
     * @param match the matched text where the engine quotes it (a guardrail's PII, regex and word matches), else
     *              null: for the log mask only, never shown or recorded itself
     */
    record Unplaced(String type, String match) {
        @Override
        public String toString() {
            return "Unplaced[" + type + "]";
        }
    }

    /**
     * The engine did not answer usably.
     *
     * @param reason what went wrong, safe to show: "timed out after 1000 ms", "HTTP 500 (InternalServerException)";
     *               never the service's message, a request id or anything credential-shaped
     */
    record Failed(EngineSpec engine, String reason) implements EngineResult {
    }
}
