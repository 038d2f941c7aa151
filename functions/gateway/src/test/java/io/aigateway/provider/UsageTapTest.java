package io.aigateway.provider;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageTapTest {

    /** Feeds the body in pieces of {@code step} bytes, as a network would. */
    private static Usage feed(UsageTap tap, String body, int step) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += step) {
            tap.accept(bytes, i, Math.min(step, bytes.length - i));
        }
        tap.finish();
        return tap.usage();
    }

    @Test
    void openAiChatJson() {
        Usage u = feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}", 7);
        assertEquals(12, u.tokensIn());
        assertEquals(3, u.tokensOut());
        assertEquals("gpt-4o", u.model());
    }

    @Test
    void openAiResponsesAndAnthropicJson() {
        Usage u = feed(UsageTap.forContentType("application/json; charset=utf-8", 1 << 20),
                "{\"type\":\"message\",\"usage\":{\"input_tokens\":25,\"output_tokens\":9}}", 1000);
        assertEquals(25, u.tokensIn());
        assertEquals(9, u.tokensOut());
    }

    @Test
    void geminiAndBedrockConverseAndCohere() {
        assertEquals(8, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":8}}", 3).tokensOut());
        assertEquals(40, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"usage\":{\"inputTokens\":40,\"outputTokens\":2}}", 3).tokensIn());
        assertEquals(7, feed(UsageTap.forContentType("application/json", 1 << 20),
                "{\"meta\":{\"billed_units\":{\"input_tokens\":7,\"output_tokens\":1}}}", 3).tokensIn());
    }

    @Test
    void openAiStreamWithUsageChunkSplitAnywhere() {
        String sse = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"model\":\"gpt-4o-mini\"}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2}}\n\n"
                + "data: [DONE]\n\n";
        for (int step = 1; step < 40; step += 3) {
            Usage u = feed(UsageTap.forContentType("text/event-stream", 0), sse, step);
            assertEquals(11, u.tokensIn(), "step " + step);
            assertEquals(2, u.tokensOut(), "step " + step);
            assertEquals("gpt-4o-mini", u.model());
        }
    }

    @Test
    void anthropicStreamSplitsInputAndOutputAcrossEvents() {
        String sse = "event: message_start\r\n"
                + "data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\r\n\r\n"
                + "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hello\"}}\r\n\r\n"
                + "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\r\n\r\n"
                + "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
        Usage u = feed(UsageTap.forContentType("text/event-stream; charset=utf-8", 0), sse, 5);
        assertEquals(25, u.tokensIn());
        assertEquals(15, u.tokensOut());
        assertEquals("claude-sonnet-4-5", u.model());
    }

    @Test
    void geminiStreamKeepsTheLastCumulativeCounts() {
        String sse = "data: {\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":2}}\n\n"
                + "data: {\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":14},\"modelVersion\":\"gemini-2.5-flash\"}\n\n";
        Usage u = feed(UsageTap.forContentType("text/event-stream", 0), sse, 4);
        assertEquals(9, u.tokensIn());
        assertEquals(14, u.tokensOut());
    }

    @Test
    void nonJsonAndOversizeBodiesYieldNoUsage() {
        assertFalse(feed(UsageTap.forContentType("application/json", 1 << 20), "not json {", 3).reported());
        assertFalse(feed(UsageTap.forContentType("application/json", 10),
                "{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}", 3).reported());
        assertFalse(feed(UsageTap.forContentType("audio/mpeg", 1 << 20), "{\"usage\":{\"prompt_tokens\":1}}", 3).reported());
    }

    // ---------------------------------------------------------------- helpers for the cases below

    private static final String JSON = "application/json";
    private static final String SSE = "text/event-stream";

    private static Usage json(String body) {
        return feed(UsageTap.forContentType(JSON, 1 << 20), body, 5);
    }

    /** Feeds an SSE body at every chunk size from 1 to 64 bytes (cutting lines, CRLFs and UTF-8 characters) and
     *  checks every split gives the same usage as the whole body; returns that usage. */
    private static Usage sseAllSplits(String body, byte[] requestBody) {
        Usage whole = feed(UsageTap.forContentType(SSE, 0, requestBody), body, Integer.MAX_VALUE / 2);
        for (int step = 1; step <= 64; step++) {
            Usage u = feed(UsageTap.forContentType(SSE, 0, requestBody), body, step);
            assertEquals(whole.toString(), u.toString(), "chunk size " + step);
        }
        return whole;
    }

    private static Usage sseAllSplits(String body) {
        return sseAllSplits(body, null);
    }

    private static String data(String json) {
        return "data: " + json + "\n\n";
    }

    // ---------------------------------------------------------------- OpenAI chat and compatibles

    @Test
    void openAiChatCachedAndReasoningTokens() {
        Usage u = json("{\"model\":\"o4-mini-2025-04-16\",\"usage\":{\"prompt_tokens\":2006,\"completion_tokens\":300,"
                + "\"total_tokens\":2306,\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":192,\"audio_tokens\":0}}}");
        assertEquals(2006, u.tokensIn(), "prompt_tokens already includes the cached tokens");
        assertEquals(1920, u.cacheReadTokens());
        assertEquals(86, u.uncachedTokensIn());
        assertEquals(0, Math.max(0, u.cacheWriteTokens()));
        assertEquals(300, u.tokensOut(), "completion_tokens already includes reasoning");
        assertEquals(192, u.reasoningTokens());
        assertFalse(u.estimated());
        assertEquals("o4-mini-2025-04-16", u.model());
    }

    @Test
    void openAiChatStreamWithUsageAndCachedTokensAtAwkwardSplits() {
        String sse = data("{\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"delta\":{\"content\":\"Grüß dich 👋\"}}],\"usage\":null}")
                + data("{\"id\":\"c1\",\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}")
                + data("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":1500,\"completion_tokens\":7,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}")
                + "data: [DONE]\n\n";
        Usage u = sseAllSplits(sse.replace("\n", "\r\n"));
        assertEquals(1500, u.tokensIn());
        assertEquals(1024, u.cacheReadTokens());
        assertEquals(7, u.tokensOut());
        assertEquals(0, u.reasoningTokens());
        assertFalse(u.estimated());
    }

    @Test
    void embeddingsReportInputOnly() {
        Usage u = json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],"
                + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
        assertEquals(8, u.tokensIn());
        assertEquals(-1, u.tokensOut());
        assertTrue(u.reported());
    }

    @Test
    void deepSeekPromptCacheHitTokens() {
        Usage u = json("{\"model\":\"deepseek-reasoner\",\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":250,"
                + "\"total_tokens\":350,\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":200}}}");
        assertEquals(100, u.tokensIn());
        assertEquals(64, u.cacheReadTokens());
        assertEquals(250, u.tokensOut());
        assertEquals(200, u.reasoningTokens());
    }

    @Test
    void grokReasoningOutsideCompletionTokensIsAddedBack() {
        // xAI: total = prompt + completion + reasoning, so completion_tokens leaves reasoning out
        Usage u = json("{\"model\":\"grok-3-mini\",\"usage\":{\"prompt_tokens\":32,\"completion_tokens\":9,"
                + "\"total_tokens\":135,\"prompt_tokens_details\":{\"cached_tokens\":6},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":94}}}");
        assertEquals(32, u.tokensIn());
        assertEquals(6, u.cacheReadTokens());
        assertEquals(103, u.tokensOut());
        assertEquals(94, u.reasoningTokens());
    }

    @Test
    void groqStreamUsageInXGroq() {
        String sse = data("{\"model\":\"llama-3.3-70b-versatile\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}")
                + data("{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"id\":\"req_1\","
                + "\"usage\":{\"queue_time\":0.01,\"prompt_tokens\":40,\"completion_tokens\":2,\"total_tokens\":42}}}")
                + "data: [DONE]\n\n";
        Usage u = sseAllSplits(sse);
        assertEquals(40, u.tokensIn());
        assertEquals(2, u.tokensOut());
    }

    @Test
    void openAiCompatibleProvidersShareTheShape() {
        for (String model : new String[]{"mistral-large-latest", "sonar-pro", "llama3.1-8b", "openai/gpt-4o-mini"}) {
            Usage u = json("{\"model\":\"" + model + "\",\"choices\":[{\"message\":{\"content\":\"x\"}}],"
                    + "\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":4,\"total_tokens\":25}}");
            assertEquals(21, u.tokensIn(), model);
            assertEquals(4, u.tokensOut(), model);
            assertEquals(model, u.model());
        }
    }

    @Test
    void openRouterAndPerplexityReportTheirOwnCost() {
        Usage or = json("{\"model\":\"anthropic/claude-3.5-sonnet\",\"usage\":{\"prompt_tokens\":194,\"completion_tokens\":2,"
                + "\"total_tokens\":196,\"cost\":0.000612,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
        assertEquals(0, new BigDecimal("0.000612").compareTo(or.providerCostUsd()));
        Usage px = json("{\"model\":\"sonar\",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,"
                + "\"cost\":{\"input_tokens_cost\":0.00001,\"output_tokens_cost\":0.00002,\"request_cost\":0.005,\"total_cost\":0.00503}}}");
        assertEquals(0, new BigDecimal("0.00503").compareTo(px.providerCostUsd()));
        assertNull(json("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}").providerCostUsd());
    }

    // ---------------------------------------------------------------- OpenAI responses

    @Test
    void openAiResponsesJsonWithCachedAndReasoning() {
        Usage u = json("{\"id\":\"resp_1\",\"object\":\"response\",\"model\":\"gpt-5-2025-08-07\",\"usage\":{\"input_tokens\":5000,"
                + "\"input_tokens_details\":{\"cached_tokens\":4096},\"output_tokens\":900,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":640},\"total_tokens\":5900}}");
        assertEquals(5000, u.tokensIn(), "responses input_tokens already includes cached tokens");
        assertEquals(4096, u.cacheReadTokens());
        assertEquals(904, u.uncachedTokensIn());
        assertEquals(900, u.tokensOut());
        assertEquals(640, u.reasoningTokens());
    }

    @Test
    void openAiResponsesStreamCompletedEvent() {
        String sse = "event: response.created\n"
                + data("{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"o3-2025-04-16\",\"usage\":null}}")
                + "event: response.output_text.delta\n"
                + data("{\"type\":\"response.output_text.delta\",\"delta\":\"Hello\"}")
                + "event: response.completed\n"
                + data("{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"o3-2025-04-16\","
                + "\"usage\":{\"input_tokens\":300,\"input_tokens_details\":{\"cached_tokens\":128},\"output_tokens\":50,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":32},\"total_tokens\":350}}}");
        Usage u = sseAllSplits(sse);
        assertEquals(300, u.tokensIn());
        assertEquals(128, u.cacheReadTokens());
        assertEquals(50, u.tokensOut());
        assertEquals(32, u.reasoningTokens());
        assertEquals("o3-2025-04-16", u.model());
        assertFalse(u.estimated());
    }

    // ---------------------------------------------------------------- Anthropic

    @Test
    void anthropicJsonInputExcludesCacheReadAndWrite() {
        Usage u = json("{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-sonnet-4-5-20250929\",\"usage\":{"
                + "\"input_tokens\":50,\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":10000,"
                + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":1500,\"ephemeral_1h_input_tokens\":500},"
                + "\"output_tokens\":400}}");
        assertEquals(12050, u.tokensIn(), "tokensIn = input + cache read + cache write");
        assertEquals(10000, u.cacheReadTokens());
        assertEquals(2000, u.cacheWriteTokens());
        assertEquals(500, u.cacheWrite1hTokens());
        assertEquals(50, u.uncachedTokensIn());
        assertEquals(400, u.tokensOut());
    }

    @Test
    void anthropicStreamWithCacheAndThinkingAtAwkwardSplits() {
        String sse = "event: message_start\n"
                + data("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-3-7-sonnet-20250219\","
                + "\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":3000,\"output_tokens\":1}}}")
                + "event: content_block_delta\n"
                + data("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think…\"}}")
                + "event: content_block_delta\n"
                + data("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Voilà\"}}")
                + "event: message_delta\n"
                + data("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":240}}")
                + "event: message_stop\n" + data("{\"type\":\"message_stop\"}");
        Usage u = sseAllSplits(sse);
        assertEquals(3012, u.tokensIn());
        assertEquals(3000, u.cacheReadTokens());
        assertEquals(0, u.cacheWriteTokens());
        assertEquals(240, u.tokensOut());
        assertEquals("claude-3-7-sonnet-20250219", u.model());
        assertFalse(u.estimated());
    }

    @Test
    void anthropicMessageDeltaWithCumulativeInputKeepsTheTotals() {
        String sse = data("{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
                + "\"cache_creation_input_tokens\":500,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}")
                + data("{\"type\":\"message_delta\",\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":500,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":77}}");
        Usage u = sseAllSplits(sse);
        assertEquals(510, u.tokensIn());
        assertEquals(500, u.cacheWriteTokens());
        assertEquals(77, u.tokensOut());
    }

    // ---------------------------------------------------------------- Gemini

    @Test
    void geminiCachedAndThoughtTokens() {
        Usage u = json("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}],\"usageMetadata\":{"
                + "\"promptTokenCount\":4000,\"cachedContentTokenCount\":3000,\"candidatesTokenCount\":100,"
                + "\"thoughtsTokenCount\":900,\"totalTokenCount\":5000},\"modelVersion\":\"gemini-2.5-pro\"}");
        assertEquals(4000, u.tokensIn(), "promptTokenCount includes the cached content");
        assertEquals(3000, u.cacheReadTokens());
        assertEquals(1000, u.tokensOut(), "thoughts are billed as output but not in candidatesTokenCount");
        assertEquals(900, u.reasoningTokens());
        assertEquals("gemini-2.5-pro", u.model());
    }

    @Test
    void geminiStreamedAsJsonArrayWithoutSse() {
        Usage u = json("[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"A\"}]}}],\"usageMetadata\":{\"promptTokenCount\":9}},\n"
                + "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"B\"}]}}],\"usageMetadata\":{\"promptTokenCount\":9,"
                + "\"candidatesTokenCount\":12,\"thoughtsTokenCount\":30}}]");
        assertEquals(9, u.tokensIn());
        assertEquals(42, u.tokensOut());
    }

    @Test
    void geminiSseWithThoughtsAtAwkwardSplits() {
        String sse = data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Bonjour\"}]}}],\"usageMetadata\":"
                + "{\"promptTokenCount\":20,\"thoughtsTokenCount\":50}}")
                + data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" à tous\"}]}}],\"usageMetadata\":"
                + "{\"promptTokenCount\":20,\"candidatesTokenCount\":6,\"thoughtsTokenCount\":50,\"cachedContentTokenCount\":0},"
                + "\"modelVersion\":\"gemini-2.5-flash\"}");
        Usage u = sseAllSplits(sse.replace("\n", "\r\n"));
        assertEquals(20, u.tokensIn());
        assertEquals(56, u.tokensOut());
        assertEquals(50, u.reasoningTokens());
    }

    // ---------------------------------------------------------------- Bedrock

    @Test
    void bedrockConverseCamelCaseWithCache() {
        Usage u = json("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"Hi\"}]}},"
                + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":14,\"outputTokens\":382,\"totalTokens\":1544,"
                + "\"cacheReadInputTokens\":0,\"cacheWriteInputTokens\":1148},\"metrics\":{\"latencyMs\":2000}}");
        assertEquals(1162, u.tokensIn(), "Converse inputTokens excludes cache reads and writes");
        assertEquals(1148, u.cacheWriteTokens());
        assertEquals(0, u.cacheReadTokens());
        assertEquals(382, u.tokensOut());
    }

    @Test
    void bedrockInvokeModelBodyIsTheVendorsFormat() {
        Usage claude = json("{\"id\":\"msg_bdrk_1\",\"type\":\"message\",\"model\":\"claude-3-5-haiku-20241022\","
                + "\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":0,\"output_tokens\":9}}");
        assertEquals(120, claude.tokensIn());
        assertEquals(100, claude.cacheReadTokens());
        Usage llama = json("{\"generation\":\"Hello\",\"prompt_token_count\":17,\"generation_token_count\":5,\"stop_reason\":\"stop\"}");
        assertEquals(17, llama.tokensIn());
        assertEquals(5, llama.tokensOut());
        Usage titan = json("{\"inputTextTokenCount\":6,\"results\":[{\"tokenCount\":11,\"outputText\":\"Hi\",\"completionReason\":\"FINISH\"}]}");
        assertEquals(6, titan.tokensIn());
        assertEquals(11, titan.tokensOut());
        Usage nova = json("{\"output\":{\"message\":{\"content\":[{\"text\":\"Hi\"}]}},\"usage\":{\"inputTokens\":30,"
                + "\"outputTokens\":8,\"cacheReadInputTokenCount\":200,\"cacheWriteInputTokenCount\":0}}");
        assertEquals(230, nova.tokensIn());
        assertEquals(200, nova.cacheReadTokens());
    }

    @Test
    void bedrockInvokeModelHeadersFillInWhenTheBodyHasNoUsage() {
        UsageTap tap = UsageTap.forContentType(JSON, 1 << 20);
        Map<String, String> headers = Map.of(Usage.BEDROCK_INPUT_HEADER, "25", Usage.BEDROCK_OUTPUT_HEADER, "60",
                Usage.BEDROCK_CACHE_READ_HEADER, "1000");
        tap.usage().offerHeaders(headers::get);
        Usage u = feed(tap, "{\"outputs\":[{\"text\":\"Mistral says hi\",\"stop_reason\":\"stop\"}]}", 4);
        assertEquals(1025, u.tokensIn(), "header input excludes the cache read, as in Converse");
        assertEquals(1000, u.cacheReadTokens());
        assertEquals(60, u.tokensOut());
        assertFalse(u.estimated());
    }

    @Test
    void bedrockBodyUsageWinsOverHeaders() {
        UsageTap tap = UsageTap.forContentType(JSON, 1 << 20);
        tap.usage().offerHeaderCounts("20", "9", null, null);
        Usage u = feed(tap, "{\"type\":\"message\",\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":100,"
                + "\"cache_creation_input_tokens\":5,\"output_tokens\":9}}", 7);
        assertEquals(125, u.tokensIn());
        assertEquals(100, u.cacheReadTokens());
        assertEquals(5, u.cacheWriteTokens());
        Usage bad = new Usage();
        bad.offerHeaderCounts("x", "-3", "", null);
        assertFalse(bad.reported());
    }

    @Test
    void bedrockConverseStreamEventStreamAtAwkwardSplits() {
        byte[] body = concat(
                frame("messageStart", "{\"role\":\"assistant\"}"),
                frame("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hello\"}}"),
                frame("contentBlockStop", "{\"contentBlockIndex\":0}"),
                frame("messageStop", "{\"stopReason\":\"end_turn\"}"),
                frame("metadata", "{\"usage\":{\"inputTokens\":31,\"outputTokens\":12,\"totalTokens\":543,"
                        + "\"cacheReadInputTokens\":500,\"cacheWriteInputTokens\":0},\"metrics\":{\"latencyMs\":300}}"));
        for (int step = 1; step <= 70; step++) {
            Usage u = feedBytes(UsageTap.forContentType("application/vnd.amazon.eventstream", 0), body, step);
            assertEquals(531, u.tokensIn(), "step " + step);
            assertEquals(500, u.cacheReadTokens(), "step " + step);
            assertEquals(12, u.tokensOut(), "step " + step);
            assertFalse(u.estimated());
        }
    }

    @Test
    void bedrockInvokeWithResponseStreamDecodesBase64Chunks() {
        byte[] body = concat(
                chunk("{\"type\":\"message_start\",\"message\":{\"model\":\"claude-3-5-haiku-20241022\",\"usage\":"
                        + "{\"input_tokens\":40,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":1024,\"output_tokens\":1}}}"),
                chunk("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}"),
                chunk("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":33}}"),
                chunk("{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":40,"
                        + "\"outputTokenCount\":33,\"invocationLatency\":900,\"firstByteLatency\":300,"
                        + "\"cacheWriteInputTokenCount\":1024}}"));
        for (int step : new int[]{1, 3, 7, 16, 100, body.length}) {
            Usage u = feedBytes(UsageTap.forContentType("application/vnd.amazon.eventstream", 0), body, step);
            assertEquals(1064, u.tokensIn(), "step " + step);
            assertEquals(1024, u.cacheWriteTokens());
            assertEquals(33, u.tokensOut());
            assertEquals("claude-3-5-haiku-20241022", u.model());
        }
        // a non-Anthropic model whose chunks carry only the invocation metrics
        Usage llama = feedBytes(UsageTap.forContentType("application/vnd.amazon.eventstream", 0), concat(
                chunk("{\"generation\":\"Hi\",\"prompt_token_count\":null}"),
                chunk("{\"generation\":\"\",\"stop_reason\":\"stop\",\"amazon-bedrock-invocationMetrics\":"
                        + "{\"inputTokenCount\":18,\"outputTokenCount\":4}}")), 9);
        assertEquals(18, llama.tokensIn());
        assertEquals(4, llama.tokensOut());
    }

    @Test
    void garbageEventStreamYieldsNoUsageAndNoError() {
        Usage u = feed(UsageTap.forContentType("application/vnd.amazon.eventstream", 0), "this is not binary framing", 3);
        assertFalse(u.reported());
    }

    // ---------------------------------------------------------------- Cohere, Replicate, Workers AI

    @Test
    void cohereV2PrefersBilledUnitsOverTokens() {
        Usage u = json("{\"id\":\"c\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]},"
                + "\"usage\":{\"billed_units\":{\"input_tokens\":5,\"output_tokens\":10},\"tokens\":{\"input_tokens\":71,\"output_tokens\":10}}}");
        assertEquals(5, u.tokensIn());
        assertEquals(10, u.tokensOut());
        Usage tokensOnly = json("{\"usage\":{\"tokens\":{\"input_tokens\":71,\"output_tokens\":10}}}");
        assertEquals(71, tokensOnly.tokensIn());
    }

    @Test
    void cohereV2StreamMessageEnd() {
        String sse = "event: content-delta\n"
                + data("{\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"text\":\"Hi\"}}}}")
                + "event: message-end\n"
                + data("{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"COMPLETE\",\"usage\":{\"billed_units\":"
                + "{\"input_tokens\":8,\"output_tokens\":3},\"tokens\":{\"input_tokens\":200,\"output_tokens\":3}}}}");
        Usage u = sseAllSplits(sse);
        assertEquals(8, u.tokensIn());
        assertEquals(3, u.tokensOut());
    }

    @Test
    void cohereV1JsonAndJsonLinesStream() {
        Usage v1 = json("{\"text\":\"Hi\",\"generation_id\":\"g\",\"meta\":{\"api_version\":{\"version\":\"1\"},"
                + "\"billed_units\":{\"input_tokens\":12,\"output_tokens\":4},\"tokens\":{\"input_tokens\":80,\"output_tokens\":4}}}");
        assertEquals(12, v1.tokensIn());
        assertEquals(4, v1.tokensOut());
        String lines = "{\"is_finished\":false,\"event_type\":\"stream-start\",\"generation_id\":\"g\"}\n"
                + "{\"is_finished\":false,\"event_type\":\"text-generation\",\"text\":\"Hi\"}\n"
                + "{\"is_finished\":true,\"event_type\":\"stream-end\",\"response\":{\"text\":\"Hi\",\"meta\":"
                + "{\"billed_units\":{\"input_tokens\":12,\"output_tokens\":4}}},\"finish_reason\":\"COMPLETE\"}\n";
        Usage stream = feed(UsageTap.forContentType("application/stream+json", 1 << 20), lines, 11);
        assertEquals(12, stream.tokensIn());
        assertEquals(4, stream.tokensOut());
    }

    @Test
    void replicateAndWorkersAi() {
        Usage replicate = json("{\"id\":\"p\",\"status\":\"succeeded\",\"metrics\":{\"predict_time\":1.2,"
                + "\"input_token_count\":15,\"output_token_count\":30}}");
        assertEquals(15, replicate.tokensIn());
        assertEquals(30, replicate.tokensOut());
        Usage workers = json("{\"result\":{\"response\":\"Hi\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,"
                + "\"total_tokens\":11}},\"success\":true,\"errors\":[]}");
        assertEquals(9, workers.tokensIn());
        assertEquals(2, workers.tokensOut());
    }

    // ---------------------------------------------------------------- estimation

    private static final String LONG_ANSWER = "The quick brown fox jumps over the lazy dog. "
            + "Pack my box with five dozen liquor jugs! Ünïcödé and emoji 🎉 are tokenized too; "
            + "numbers like 3.14159 and 2025-11-01, code like `for (int i = 0; i < n; i++) {}` as well.";

    @Test
    void openAiStreamWithoutUsageIsEstimated() {
        StringBuilder sse = new StringBuilder();
        sse.append(data("{\"id\":\"c\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"));
        String[] pieces = LONG_ANSWER.split("(?<= )");
        for (String piece : pieces) {
            sse.append(data("{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":" + jsonString(piece) + "}}]}"));
        }
        sse.append(data("{\"id\":\"c\",\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}")).append("data: [DONE]\n\n");
        String prompt = "You are a terse assistant. Summarise the history of the Roman Empire in one paragraph, please.";
        byte[] request = ("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You are a terse assistant.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"Summarise the history of the Roman Empire in one paragraph, please.\"}]}]}").getBytes(StandardCharsets.UTF_8);

        Usage u = sseAllSplits(sse.toString(), request);
        assertTrue(u.estimated());
        long expectedOut = TokenEstimator.encoding("gpt-4o-mini").countTokensOrdinary(LONG_ANSWER);
        assertWithin(expectedOut, u.tokensOut(), 0.2);
        long expectedIn = TokenEstimator.encoding("gpt-4o-mini").countTokensOrdinary(prompt);
        assertTrue(u.tokensIn() >= expectedIn && u.tokensIn() <= expectedIn + 20,
                "input estimate " + u.tokensIn() + " vs text tokens " + expectedIn);
        assertEquals("gpt-4o-mini-2024-07-18", u.model());
    }

    @Test
    void anthropicAndGeminiStreamsWithoutUsageAreEstimatedFromTheirText() {
        String anthropic = data("{\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5\"}}")
                + data("{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":" + jsonString(LONG_ANSWER) + "}}")
                + data("{\"type\":\"message_stop\"}");
        Usage a = sseAllSplits(anthropic);
        assertTrue(a.estimated());
        assertWithin(TokenEstimator.countText("claude-haiku-4-5", LONG_ANSWER), a.tokensOut(), 0.2);
        assertEquals(-1, a.tokensIn(), "no request body given: input stays unknown");

        String gemini = data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":" + jsonString(LONG_ANSWER) + "}]}}]}");
        byte[] request = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Tell me something.\"}]}]}".getBytes(StandardCharsets.UTF_8);
        Usage g = sseAllSplits(gemini, request);
        assertTrue(g.estimated());
        assertWithin(TokenEstimator.countText(null, LONG_ANSWER), g.tokensOut(), 0.2);
        assertTrue(g.tokensIn() > 3 && g.tokensIn() < 20, "input " + g.tokensIn());
    }

    @Test
    void streamsWithUsageAreNotEstimatedAndJsonIsNeverEstimated() {
        String sse = data("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}")
                + data("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}");
        Usage u = sseAllSplits(sse, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}".getBytes(StandardCharsets.UTF_8));
        assertFalse(u.estimated());
        assertEquals(1, u.tokensOut());
        Usage j = feed(UsageTap.forContentType(JSON, 1 << 20, "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8)),
                "{\"choices\":[{\"message\":{\"content\":\"Hi\"}}]}", 3);
        assertFalse(j.reported());
        assertFalse(j.estimated());
    }

    @Test
    void interruptedStreamIsEstimatedForWhatWentBy() {
        UsageTap tap = UsageTap.forContentType(SSE, 0, null);
        byte[] bytes = (data("{\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":" + jsonString(LONG_ANSWER) + "}}]}")
                + "data: {\"choices\":[{\"delta\":{\"content\":\"cut h").getBytes(StandardCharsets.UTF_8);
        tap.accept(bytes, 0, bytes.length);
        tap.interrupted();
        assertTrue(tap.usage().estimated());
        assertWithin(TokenEstimator.countText("gpt-4o", LONG_ANSWER), tap.usage().tokensOut(), 0.2);
    }

    @Test
    void readAllPricesACachedBodyLikeALiveOne() {
        byte[] body = ("{\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":2000,\"completion_tokens\":10,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1024}}}").getBytes(StandardCharsets.UTF_8);
        Usage u = UsageTap.readAll("application/json", body, null);
        assertEquals(2000, u.tokensIn());
        assertEquals(1024, u.cacheReadTokens());
    }

    // ---------------------------------------------------------------- helpers

    private static void assertWithin(long expected, long actual, double fraction) {
        assertTrue(Math.abs(actual - expected) <= Math.max(1, expected * fraction),
                "expected about " + expected + " (±" + (int) (fraction * 100) + "%), got " + actual);
    }

    private static String jsonString(String s) {
        try {
            return io.aigateway.core.Json.MAPPER.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Usage feedBytes(UsageTap tap, byte[] bytes, int step) {
        for (int i = 0; i < bytes.length; i += step) {
            tap.accept(bytes, i, Math.min(step, bytes.length - i));
        }
        tap.finish();
        return tap.usage();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An InvokeModelWithResponseStream chunk: the vendor's event, base64 in {"bytes": ...}. */
    private static byte[] chunk(String vendorJson) {
        String b64 = Base64.getEncoder().encodeToString(vendorJson.getBytes(StandardCharsets.UTF_8));
        return frame("chunk", "{\"bytes\":\"" + b64 + "\"}");
    }

    /** One AWS event-stream message, CRCs included, as Bedrock sends it. */
    private static byte[] frame(String eventType, String payloadJson) {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        header(headers, ":event-type", eventType);
        header(headers, ":content-type", "application/json");
        header(headers, ":message-type", "event");
        byte[] h = headers.toByteArray();
        byte[] payload = payloadJson.getBytes(StandardCharsets.UTF_8);
        int total = 12 + h.length + payload.length + 4;
        ByteBuffer buf = ByteBuffer.allocate(total);
        buf.putInt(total).putInt(h.length);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, 8);
        buf.putInt((int) crc.getValue());
        buf.put(h).put(payload);
        crc.reset();
        crc.update(buf.array(), 0, total - 4);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static void header(ByteArrayOutputStream out, String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        out.write(n.length);
        out.writeBytes(n);
        out.write(7);
        out.write(v.length >> 8);
        out.write(v.length & 0xff);
        out.writeBytes(v);
    }
}
