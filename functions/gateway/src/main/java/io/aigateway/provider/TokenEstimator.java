package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.aigateway.core.Json;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * Estimates token counts with a BPE tokenizer (jtokkit) when a provider did not report them, e.g. an OpenAI stream
 * without {@code stream_options.include_usage}. OpenAI's current families (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o-series,
 * gpt-oss) use {@code o200k_base}; everything else uses {@code cl100k_base}, a reasonable approximation for other
 * vendors' tokenizers (Claude, Gemini and Llama usually count within about 10-20% of it).
 *
 * <p>Nothing is loaded until the first estimate: the encodings' vocabularies are read lazily, once per JVM (call
 * {@link #prime()} before a SnapStart snapshot to pay that cost up front).
 */
public final class TokenEstimator {
    /** Tokens a chat API adds per message (role, separators) and once for the reply's priming. */
    static final int PER_MESSAGE = 4;
    static final int PER_REQUEST = 3;

    /** Request fields whose text counts as input, whatever the API (chat, messages, Gemini, responses, Cohere). */
    private static final Set<String> MESSAGE_LISTS = Set.of("messages", "contents", "chat_history");
    private static final Set<String> TEXT_FIELDS = Set.of("system", "systemInstruction", "system_instruction",
            "instructions", "prompt", "input", "message", "preamble", "documents");
    private static final Set<String> SCHEMA_FIELDS = Set.of("tools", "functions", "toolConfig", "response_format");
    /** Keys whose values are not text the model reads as tokens (ids, roles, binary payloads, URLs). */
    private static final Set<String> SKIP_KEYS = Set.of("role", "type", "id", "tool_call_id", "tool_use_id",
            "cache_control", "image_url", "url", "source", "data", "inlineData", "inline_data", "fileData", "file_data",
            "mime_type", "mimeType", "media_type", "detail", "file_id", "image", "audio", "input_audio");

    private TokenEstimator() {
    }

    private static final class Registry {
        static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    }

    /** Loads both vocabularies now (a few hundred ms), e.g. while priming a SnapStart snapshot. */
    public static void prime() {
        encoding("gpt-4o").countTokensOrdinary("prime");
        encoding(null).countTokensOrdinary("prime");
    }

    /** The tokenizer a model's family uses: o200k_base for OpenAI's current models, else cl100k_base. */
    public static Encoding encoding(String model) {
        return Registry.REGISTRY.getEncoding(usesO200k(model) ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE);
    }

    static boolean usesO200k(String model) {
        if (model == null) {
            return false;
        }
        String m = model.toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');           // openai/gpt-4o-mini (OpenRouter, Groq)
        if (slash >= 0) {
            m = m.substring(slash + 1);
        }
        int dot = m.indexOf('.');                 // openai.gpt-oss-120b-1:0 (Bedrock)
        if (m.startsWith("openai.") && dot >= 0) {
            m = m.substring(dot + 1);
        }
        return m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1")
                || m.startsWith("gpt-4.5") || m.startsWith("gpt-5") || m.startsWith("gpt-oss")
                || m.startsWith("codex") || m.startsWith("gpt-realtime") || m.startsWith("gpt-audio")
                || m.startsWith("computer-use")
                || m.matches("^o[1-9](?:-.*)?$");
    }

    /** Tokens of a piece of text; special-token markers in it count as ordinary text. */
    public static long countText(String model, CharSequence text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encoding(model).countTokensOrdinary(text.toString());
    }

    /**
     * Output tokens of a streamed answer from the text collected while it streamed. When collection stopped at a
     * bound, {@code droppedChars} more characters went by uncollected: they are extrapolated at the collected
     * text's tokens-per-character rate.
     */
    public static long estimateOutput(String model, CharSequence collected, long droppedChars) {
        long tokens = countText(model, collected);
        if (droppedChars > 0 && collected.length() > 0) {
            tokens += Math.round((double) tokens * droppedChars / collected.length());
        } else if (droppedChars > 0) {
            tokens += droppedChars / 4;
        }
        return tokens;
    }

    /**
     * Input tokens of a request body (OpenAI chat or responses, Anthropic messages, Gemini, Cohere): the text of
     * its messages, system prompt and instructions, plus its tool definitions as JSON, plus a few tokens per
     * message for roles and separators. Images, audio and files are not counted. -1 when the body is not a JSON
     * object.
     */
    public static long estimateInput(String model, byte[] requestBody) {
        if (requestBody == null || requestBody.length == 0) {
            return -1;
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(requestBody);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        if (root == null || !root.isObject()) {
            return -1;
        }
        if (model == null && root.path("model").isTextual()) {
            model = root.get("model").asText();
        }
        StringBuilder text = new StringBuilder(256);
        int messages = 0;
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (MESSAGE_LISTS.contains(name) && value.isArray()) {
                for (JsonNode message : value) {
                    messages++;
                    collect(message, text);
                }
            } else if (TEXT_FIELDS.contains(name)) {
                if (value.isArray()) {
                    messages += value.size();
                }
                collect(value, text);
            } else if (SCHEMA_FIELDS.contains(name) && !value.isNull()) {
                text.append(value).append('\n');
            }
        }
        if (text.isEmpty() && messages == 0) {
            return 0;
        }
        return countText(model, text) + (long) PER_MESSAGE * Math.max(messages, 1) + PER_REQUEST;
    }

    private static void collect(JsonNode node, StringBuilder out) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            out.append(node.asText()).append('\n');
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                collect(child, out);
            }
        } else if (node.isObject()) {
            for (var field : node.properties()) {
                if (!SKIP_KEYS.contains(field.getKey())) {
                    if (field.getValue().isObject() && (field.getKey().equals("parameters")
                            || field.getKey().equals("input") || field.getKey().equals("functionCall"))) {
                        out.append(field.getValue()).append('\n'); // tool-call arguments: the JSON is the tokens
                    } else {
                        collect(field.getValue(), out);
                    }
                }
            }
        }
    }
}
