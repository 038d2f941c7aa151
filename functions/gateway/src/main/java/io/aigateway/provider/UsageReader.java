package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads token usage from one JSON document or stream event, whatever the provider, into a {@link Usage} with one
 * meaning (see there: tokens in include cache reads and writes, tokens out include reasoning). The usage shapes are
 * few and do not collide, so one reader serves every provider in the registry:
 * <ul>
 *   <li>OpenAI chat and OpenAI-compatible (groq, mistral, deepseek, openrouter, perplexity, grok, cerebras, workers
 *       AI): {@code usage.prompt_tokens / completion_tokens}, {@code prompt_tokens_details.cached_tokens},
 *       {@code completion_tokens_details.reasoning_tokens}; DeepSeek {@code prompt_cache_hit_tokens}; Groq streams
 *       {@code x_groq.usage}; embeddings report {@code prompt_tokens} only.</li>
 *   <li>OpenAI responses: {@code usage.input_tokens / output_tokens} (input includes
 *       {@code input_tokens_details.cached_tokens}); streams: {@code response.completed} carries {@code response.usage}.</li>
 *   <li>Anthropic: {@code usage.input_tokens} <i>excludes</i> {@code cache_read_input_tokens} and
 *       {@code cache_creation_input_tokens}; streams put them in {@code message_start.message.usage} and the
 *       output in {@code message_delta.usage}.</li>
 *   <li>Gemini (AI Studio, Vertex): {@code usageMetadata.promptTokenCount} (includes
 *       {@code cachedContentTokenCount}), {@code candidatesTokenCount} (excludes {@code thoughtsTokenCount}).</li>
 *   <li>Bedrock Converse: {@code usage.inputTokens} (excludes {@code cacheReadInputTokens},
 *       {@code cacheWriteInputTokens}) and {@code outputTokens}; InvokeModel bodies in the vendor's format, plus
 *       {@code amazon-bedrock-invocationMetrics} in streams, Llama's {@code prompt_token_count}, Titan's
 *       {@code inputTextTokenCount}, Nova's {@code cacheReadInputTokenCount}.</li>
 *   <li>Cohere: v1 {@code meta.billed_units}, v2 {@code usage.billed_units} (preferred) or {@code usage.tokens};
 *       v2 streams {@code message-end.delta.usage}, v1 streams {@code stream-end.response.meta}.</li>
 *   <li>Replicate: {@code metrics.input_token_count / output_token_count}.</li>
 * </ul>
 */
public final class UsageReader {
    /** Objects one level down that may carry their own usage (Anthropic, OpenAI responses, Cohere, Workers AI, Nova). */
    private static final String[] CONTAINERS = {"message", "response", "delta", "result", "metadata"};

    private UsageReader() {
    }

    public static void read(JsonNode doc, Usage usage) {
        if (doc == null) {
            return;
        }
        if (doc.isArray()) { // Gemini's streamGenerateContent without alt=sse: one JSON array of chunks
            for (JsonNode element : doc) {
                if (element.isObject()) {
                    read(element, usage);
                }
            }
            return;
        }
        if (!doc.isObject()) {
            return;
        }
        readContainer(doc, usage);
        for (String name : CONTAINERS) {
            JsonNode child = doc.get(name);
            if (child != null && child.isObject()) {
                readContainer(child, usage);
            }
        }
    }

    private static void readContainer(JsonNode doc, Usage usage) {
        usage.offerModel(text(doc, "model"));
        usage.offerModel(text(doc, "modelVersion"));
        readUsage(doc.get("usage"), usage);
        JsonNode gemini = doc.get("usageMetadata");
        if (gemini != null && gemini.isObject()) {
            readGemini(gemini, usage);
        }
        JsonNode meta = doc.get("meta");                 // Cohere v1
        if (meta != null && meta.isObject()) {
            readUsage(meta, usage);
        }
        JsonNode groq = doc.get("x_groq");                // Groq streams
        if (groq != null && groq.isObject()) {
            readUsage(groq.get("usage"), usage);
        }
        JsonNode bedrock = doc.get("amazon-bedrock-invocationMetrics");
        if (bedrock != null && bedrock.isObject()) {
            long in = num(bedrock, "inputTokenCount");
            long cr = num(bedrock, "cacheReadInputTokenCount");
            long cw = num(bedrock, "cacheWriteInputTokenCount");
            offerExclusive(usage, in, cr, cw);
            offerOut(usage, num(bedrock, "outputTokenCount"));
        }
        long llamaIn = num(doc, "prompt_token_count");    // Meta Llama on Bedrock
        long llamaOut = num(doc, "generation_token_count");
        if (llamaIn >= 0 || llamaOut >= 0) {
            offerIn(usage, llamaIn);
            offerOut(usage, llamaOut);
        }
        long titanIn = num(doc, "inputTextTokenCount");   // Amazon Titan on Bedrock
        if (titanIn >= 0) {
            usage.offerIn(titanIn);
            JsonNode results = doc.get("results");
            if (results != null && results.isArray()) {
                long out = 0;
                for (JsonNode r : results) {
                    out += Math.max(0, num(r, "tokenCount"));
                }
                usage.offerOut(out);
            }
        }
        JsonNode metrics = doc.get("metrics");            // Replicate predictions
        if (metrics != null && metrics.isObject()) {
            offerIn(usage, num(metrics, "input_token_count"));
            offerOut(usage, num(metrics, "output_token_count"));
        }
    }

    private static void readUsage(JsonNode u, Usage usage) {
        if (u == null || !u.isObject()) {
            return;
        }
        JsonNode billed = u.get("billed_units");          // Cohere: what is billed beats what was processed
        if (billed != null && billed.isObject()) {
            readUsage(billed, usage);
            return;
        }
        JsonNode cohereTokens = u.get("tokens");
        if (cohereTokens != null && cohereTokens.isObject()) {
            readUsage(cohereTokens, usage);
        }

        long reasoning = max(
                num(u.get("completion_tokens_details"), "reasoning_tokens"),
                num(u.get("output_tokens_details"), "reasoning_tokens"),
                num(u, "reasoning_tokens"));
        long out = max(num(u, "completion_tokens"), num(u, "output_tokens"), num(u, "outputTokens"));
        long total = max(num(u, "total_tokens"), num(u, "totalTokens"));

        long prompt = num(u, "prompt_tokens");
        long input = num(u, "input_tokens");
        long inputCamel = num(u, "inputTokens");
        long reportedIn = -1;
        if (prompt >= 0) {
            // OpenAI chat shape: prompt_tokens already counts the cached part
            usage.offerIn(prompt);
            offerCacheRead(usage, max(num(u.get("prompt_tokens_details"), "cached_tokens"),
                    num(u, "prompt_cache_hit_tokens")));
            reportedIn = prompt;
        } else if (input >= 0) {
            long cr = num(u, "cache_read_input_tokens");
            long cw = num(u, "cache_creation_input_tokens");
            if (cr >= 0 || cw >= 0) {
                // Anthropic: input_tokens excludes cache reads and writes
                offerExclusive(usage, input, cr, cw);
                JsonNode creation = u.get("cache_creation");
                if (creation != null && creation.isObject()) {
                    offerCacheWrite1h(usage, num(creation, "ephemeral_1h_input_tokens"));
                }
            } else {
                // OpenAI responses (input_tokens includes input_tokens_details.cached_tokens), Cohere
                usage.offerIn(input);
                offerCacheRead(usage, num(u.get("input_tokens_details"), "cached_tokens"));
            }
            reportedIn = input;
        } else if (inputCamel >= 0) {
            // Bedrock Converse / Nova: inputTokens excludes cache reads and writes
            offerExclusive(usage, inputCamel,
                    max(num(u, "cacheReadInputTokens"), num(u, "cacheReadInputTokenCount")),
                    max(num(u, "cacheWriteInputTokens"), num(u, "cacheWriteInputTokenCount")));
            reportedIn = inputCamel;
        }

        if (out >= 0) {
            // Some OpenAI-compatible providers (xAI) leave reasoning out of completion_tokens; the total tells
            if (reasoning > 0 && total >= 0 && reportedIn >= 0
                    && total == reportedIn + out + reasoning && total != reportedIn + out) {
                out += reasoning;
            }
            usage.offerOut(out);
        }
        if (reasoning >= 0) {
            usage.offerReasoning(reasoning);
        }

        JsonNode cost = u.get("cost");
        if (cost != null && cost.isNumber()) {            // OpenRouter: USD (credits)
            usage.offerProviderCost(cost.decimalValue());
        } else if (cost != null && cost.isObject()) {     // Perplexity: cost.total_cost in USD
            JsonNode totalCost = cost.get("total_cost");
            if (totalCost != null && totalCost.isNumber()) {
                usage.offerProviderCost(totalCost.decimalValue());
            }
        }
    }

    private static void readGemini(JsonNode g, Usage usage) {
        long prompt = num(g, "promptTokenCount");
        long toolPrompt = num(g, "toolUsePromptTokenCount");
        if (prompt >= 0) {
            usage.offerIn(prompt + Math.max(0, toolPrompt));
        }
        offerCacheRead(usage, num(g, "cachedContentTokenCount"));
        long candidates = num(g, "candidatesTokenCount");
        long thoughts = num(g, "thoughtsTokenCount");
        if (candidates >= 0 || thoughts >= 0) {
            usage.offerOut(Math.max(0, candidates) + Math.max(0, thoughts));
        }
        if (thoughts >= 0) {
            usage.offerReasoning(thoughts);
        }
    }

    /**
     * Appends the generated text of one response document or stream event (message text, reasoning, tool-call
     * arguments) to {@code out}, for estimating output tokens when a stream carries no usage.
     */
    public static void appendOutputText(JsonNode doc, StringBuilder out) {
        if (doc == null || !doc.isObject()) {
            return;
        }
        JsonNode choices = doc.get("choices");             // OpenAI chat / completions and compatibles
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                appendText(choice, "text", out);
                JsonNode delta = choice.get("delta");
                if (delta == null || !delta.isObject()) {
                    delta = choice.get("message");
                }
                if (delta != null && delta.isObject()) {
                    appendText(delta, "content", out);
                    appendText(delta, "reasoning_content", out);
                    appendText(delta, "reasoning", out);
                    JsonNode calls = delta.get("tool_calls");
                    if (calls != null && calls.isArray()) {
                        for (JsonNode call : calls) {
                            JsonNode fn = call.get("function");
                            if (fn != null) {
                                appendText(fn, "arguments", out);
                            }
                        }
                    }
                }
            }
        }
        JsonNode delta = doc.get("delta");
        if (delta != null && delta.isTextual()) {          // OpenAI responses: response.*.delta events
            out.append(delta.asText());
        } else if (delta != null && delta.isObject()) {    // Anthropic, Bedrock ConverseStream, Cohere v2
            appendText(delta, "text", out);
            appendText(delta, "thinking", out);
            appendText(delta, "partial_json", out);
            JsonNode toolUse = delta.get("toolUse");
            if (toolUse != null) {
                appendText(toolUse, "input", out);
            }
            JsonNode reasoning = delta.get("reasoningContent");
            if (reasoning != null) {
                appendText(reasoning, "text", out);
            }
            JsonNode message = delta.get("message");
            if (message != null && message.get("content") != null) {
                appendText(message.get("content"), "text", out);
            }
        }
        JsonNode candidates = doc.get("candidates");       // Gemini
        if (candidates != null && candidates.isArray()) {
            for (JsonNode candidate : candidates) {
                JsonNode parts = candidate.path("content").path("parts");
                if (parts.isArray()) {
                    for (JsonNode part : parts) {
                        appendText(part, "text", out);
                    }
                }
            }
        }
        appendText(doc, "response", out);                   // Workers AI
        if (doc.has("event_type")) {                        // Cohere v1 text-generation events
            appendText(doc, "text", out);
        }
        appendText(doc, "generation", out);                 // Llama on Bedrock
        appendText(doc, "outputText", out);                 // Titan on Bedrock
        JsonNode completion = doc.get("completion");        // Anthropic text completions (legacy)
        if (completion != null && completion.isTextual()) {
            out.append(completion.asText());
        }
    }

    private static void appendText(JsonNode node, String field, StringBuilder out) {
        JsonNode v = node.get(field);
        if (v != null && v.isTextual()) {
            out.append(v.asText());
        }
    }

    private static void offerExclusive(Usage usage, long input, long cacheRead, long cacheWrite) {
        if (input >= 0) {
            usage.offerIn(input + Math.max(0, cacheRead) + Math.max(0, cacheWrite));
        }
        offerCacheRead(usage, cacheRead);
        if (cacheWrite >= 0) {
            usage.offerCacheWrite(cacheWrite);
        }
    }

    private static void offerCacheRead(Usage usage, long value) {
        if (value >= 0) {
            usage.offerCacheRead(value);
        }
    }

    private static void offerCacheWrite1h(Usage usage, long value) {
        if (value >= 0) {
            usage.offerCacheWrite1h(value);
        }
    }

    private static void offerIn(Usage usage, long value) {
        if (value >= 0) {
            usage.offerIn(value);
        }
    }

    private static void offerOut(Usage usage, long value) {
        if (value >= 0) {
            usage.offerOut(value);
        }
    }

    private static long max(long a, long b) {
        return Math.max(a, b);
    }

    private static long max(long a, long b, long c) {
        return Math.max(a, Math.max(b, c));
    }

    private static long num(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            return -1;
        }
        JsonNode v = node.get(field);
        return v != null && v.isNumber() ? v.asLong() : -1;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
