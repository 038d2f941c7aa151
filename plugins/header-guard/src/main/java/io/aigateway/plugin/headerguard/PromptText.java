package io.aigateway.plugin.headerguard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.plugin.PluginBody;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The prompt text of a request body, whatever the provider's shape: every string under a member named like a prompt
 * ({@code content}, {@code text}, {@code prompt}, {@code input}, {@code system}, {@code instructions}, {@code query})
 * at any depth, so OpenAI messages, Anthropic content blocks and system prompts, Gemini {@code contents[].parts[].text}
 * and completions' {@code prompt} are all covered; model names, roles and image data are not. A body that is not
 * JSON is scanned as text. Joined with newlines and cut at {@code maxChars}.
 */
final class PromptText {
    private static final Set<String> PROMPT_FIELDS = Set.of(
            "content", "text", "prompt", "input", "system", "instructions", "query");

    private PromptText() {
    }

    static String of(PluginBody body, int maxChars) {
        if (body.isEmpty()) {
            return "";
        }
        Optional<JsonNode> json = body.json();
        if (json.isEmpty()) {
            String text = body.text();
            return text.length() > maxChars ? text.substring(0, maxChars) : text;
        }
        StringBuilder out = new StringBuilder();
        collect(json.get(), false, out, maxChars);
        return out.length() > maxChars ? out.substring(0, maxChars) : out.toString();
    }

    private static void collect(JsonNode node, boolean prompt, StringBuilder out, int maxChars) {
        if (out.length() >= maxChars) {
            return;
        }
        if (node.isTextual()) {
            if (prompt) {
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(node.asText(), 0, Math.min(node.asText().length(), maxChars - out.length() + 1));
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                collect(item, prompt, out, maxChars);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                collect(member.getValue(), PROMPT_FIELDS.contains(member.getKey()), out, maxChars);
            }
        }
    }
}
