package io.aigateway.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

/**
 * Builds a provider's {@code messages}/{@code contents} array of role + block-list turns, merging consecutive
 * turns of one role: Anthropic and Bedrock want tool results for parallel calls in one user turn, and Bedrock
 * refuses two turns of one role in a row.
 */
final class Turns {
    private final ArrayNode turns = Json.MAPPER.createArrayNode();
    private final String blocksField;
    private String lastRole;

    /** @param blocksField the name of a turn's block list ({@code content} or Gemini's {@code parts}) */
    Turns(String blocksField) {
        this.blocksField = blocksField;
    }

    /** The block list of the current turn for {@code role}, opening a new turn when the role changes. */
    ArrayNode blocks(String role) {
        if (!role.equals(lastRole)) {
            ObjectNode turn = turns.addObject();
            turn.put("role", role);
            turn.putArray(blocksField);
            lastRole = role;
        }
        return (ArrayNode) turns.get(turns.size() - 1).get(blocksField);
    }

    ArrayNode array() {
        return turns;
    }
}
