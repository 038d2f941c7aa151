package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/** What one hook call came to: the hook's decision, or why there is none (then the hook's {@code fail} applies). */
sealed interface HookAnswer {

    Map<String, String> annotations();

    record Allow(Map<String, String> annotations) implements HookAnswer {
    }

    record Block(String message, Map<String, String> annotations) implements HookAnswer {
    }

    /** {@code body} replaces the JSON body. */
    record Modify(JsonNode body, Map<String, String> annotations) implements HookAnswer {
    }

    /** Timeout, connection failure, non-2xx status or an answer that is not one of the three. */
    record Failed(String reason) implements HookAnswer {
        @Override
        public Map<String, String> annotations() {
            return Map.of();
        }
    }
}
