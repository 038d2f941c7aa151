package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads token usage from one JSON document or stream event, whatever the provider: the usage shapes are few and
 * do not collide, so one reader serves every provider in the registry.
 * <ul>
 *   <li>OpenAI chat and OpenAI-compatible: {@code usage.prompt_tokens / completion_tokens}</li>
 *   <li>OpenAI responses, Anthropic: {@code usage.input_tokens / output_tokens}; Anthropic streams put the input in
 *       {@code message_start.message.usage}, OpenAI's responses stream in {@code response.usage}</li>
 *   <li>Gemini: {@code usageMetadata.promptTokenCount / candidatesTokenCount}</li>
 *   <li>Bedrock Converse: {@code usage.inputTokens / outputTokens}; Cohere: {@code meta.billed_units}</li>
 * </ul>
 */
public final class UsageReader {
    private UsageReader() {
    }

    public static void read(JsonNode doc, Usage usage) {
        if (doc == null || !doc.isObject()) {
            return;
        }
        usage.offerModel(text(doc, "model"));
        usage.offerModel(text(doc, "modelVersion"));
        readUsage(doc.get("usage"), usage);
        JsonNode message = doc.get("message");   // Anthropic message_start
        if (message != null && message.isObject()) {
            usage.offerModel(text(message, "model"));
            readUsage(message.get("usage"), usage);
        }
        JsonNode response = doc.get("response"); // OpenAI responses stream: response.completed
        if (response != null && response.isObject()) {
            usage.offerModel(text(response, "model"));
            readUsage(response.get("usage"), usage);
        }
        JsonNode gemini = doc.get("usageMetadata");
        if (gemini != null && gemini.isObject()) {
            offer(gemini, "promptTokenCount", usage, true);
            offer(gemini, "candidatesTokenCount", usage, false);
        }
        JsonNode meta = doc.get("meta");          // Cohere v1
        if (meta != null && meta.isObject()) {
            readUsage(meta.get("billed_units"), usage);
        }
    }

    private static void readUsage(JsonNode u, Usage usage) {
        if (u == null || !u.isObject()) {
            return;
        }
        offer(u, "prompt_tokens", usage, true);
        offer(u, "input_tokens", usage, true);
        offer(u, "inputTokens", usage, true);
        offer(u, "completion_tokens", usage, false);
        offer(u, "output_tokens", usage, false);
        offer(u, "outputTokens", usage, false);
        JsonNode billed = u.get("billed_units");  // Cohere v2
        if (billed != null && billed.isObject()) {
            readUsage(billed, usage);
        }
    }

    private static void offer(JsonNode node, String field, Usage usage, boolean input) {
        JsonNode v = node.get(field);
        if (v != null && v.isNumber()) {
            if (input) {
                usage.offerIn(v.asLong());
            } else {
                usage.offerOut(v.asLong());
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
