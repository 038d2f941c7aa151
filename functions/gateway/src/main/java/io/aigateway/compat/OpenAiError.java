package io.aigateway.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An upstream error as an OpenAI SDK expects it: the status the SDK picks its exception class from, and the body
 * {@code {"error":{"message","type","param","code"}}}.
 */
public record OpenAiError(int status, ObjectNode body) {

    public String message() {
        return body.path("error").path("message").asText();
    }

    public String type() {
        return body.path("error").path("type").asText();
    }

    public String code() {
        return body.path("error").path("code").asText(null);
    }
}
