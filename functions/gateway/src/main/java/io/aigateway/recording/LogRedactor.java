package io.aigateway.recording;

/**
 * Rewrites a body before it is stored with its log: the hook where guardrails and DLP will mask prompts and
 * answers. Runs off the request path; the client's traffic is never changed by it.
 */
@FunctionalInterface
public interface LogRedactor {
    LogRedactor NONE = (side, contentType, body) -> body;

    /**
     * @param side        "request" or "response"
     * @param contentType the body's content type, may be null
     * @return the bytes to store (may be the same array)
     */
    byte[] redact(String side, String contentType, byte[] body);
}
