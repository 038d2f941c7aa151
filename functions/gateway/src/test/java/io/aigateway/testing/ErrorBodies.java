package io.aigateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;

/**
 * Reads the gateway's code and message out of an error body of any shape: Cloudflare's envelope, or the provider
 * shapes errors take on provider routes (OpenAI, Anthropic, Google, Bedrock; see io.aigateway.core.ErrorShape).
 */
public final class ErrorBodies {
    private ErrorBodies() {
    }

    public static int code(String body) {
        JsonNode root = parse(body);
        JsonNode error = root.get("error");
        if (error != null && error.isArray()) {
            return error.get(0).get("code").asInt();
        }
        if (error != null && error.has("cf_aig_error_code")) {
            return error.get("cf_aig_error_code").asInt(); // Anthropic
        }
        if (error != null && error.has("details")) {
            return error.get("details").get(0).get("metadata").get("cf_aig_error_code").asInt(); // Google
        }
        if (error != null && error.has("code")) {
            return Integer.parseInt(error.get("code").asText()); // OpenAI
        }
        return root.get("cf_aig_error_code").asInt(); // Bedrock
    }

    public static String message(String body) {
        JsonNode root = parse(body);
        JsonNode error = root.get("error");
        if (error != null && error.isArray()) {
            return error.get(0).get("message").asText();
        }
        return error != null ? error.get("message").asText() : root.get("message").asText();
    }

    private static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not a JSON error body: " + body, e);
        }
    }
}
