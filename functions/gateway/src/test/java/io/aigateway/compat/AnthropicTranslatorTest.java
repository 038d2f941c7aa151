package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.aigateway.compat.Fixtures.body;
import static io.aigateway.compat.Fixtures.json;
import static io.aigateway.compat.Fixtures.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicTranslatorTest {
    private final AnthropicTranslator t = new AnthropicTranslator(Fixtures.CLOCK);

    private ObjectNode req(String json) {
        return obj(json);
    }

    @Test
    void translatesAFullToolConversation() {
        TranslatedRequest r = t.toProvider(json("openai/request-tools.json"), "claude-sonnet-4-5");
        assertEquals("/v1/messages", r.path());
        assertEquals("POST", r.method());
        assertEquals("2023-06-01", r.headers().get("anthropic-version"));
        assertFalse(r.stream());
        JsonNode b = body(r);
        assertEquals("claude-sonnet-4-5", b.path("model").asText());
        assertEquals("You are a weather bot.", b.at("/system/0/text").asText());
        assertEquals("Answer in celsius.", b.at("/system/1/text").asText());
        JsonNode m = b.get("messages");
        assertEquals(5, m.size(), "tool results merge into one user turn: " + m);
        assertEquals("user", m.at("/0/role").asText());
        assertEquals("image", m.at("/0/content/1/type").asText());
        assertEquals("base64", m.at("/0/content/1/source/type").asText());
        assertEquals("image/png", m.at("/0/content/1/source/media_type").asText());
        assertTrue(m.at("/0/content/1/source/data").asText().startsWith("iVBOR"));
        assertEquals("assistant", m.at("/1/role").asText());
        assertEquals("tool_use", m.at("/1/content/0/type").asText());
        assertEquals("call_paris", m.at("/1/content/0/id").asText());
        assertEquals("Paris", m.at("/1/content/0/input/location").asText());
        assertEquals("call_boston", m.at("/1/content/1/id").asText());
        assertEquals("user", m.at("/2/role").asText());
        assertEquals("tool_result", m.at("/2/content/0/type").asText());
        assertEquals("call_paris", m.at("/2/content/0/tool_use_id").asText());
        assertEquals("{\"temperature\":18}", m.at("/2/content/0/content").asText());
        assertEquals("call_boston", m.at("/2/content/1/tool_use_id").asText());
        assertEquals("Paris is 18°C; Boston is rainy at 12°C.", m.at("/3/content/0/text").asText());
        assertEquals("Thanks. And tomorrow?", m.at("/4/content/0/text").asText());
        assertEquals("get_weather", b.at("/tools/0/name").asText());
        assertEquals("Current weather for a place", b.at("/tools/0/description").asText());
        assertEquals("string", b.at("/tools/0/input_schema/properties/location/type").asText());
        assertEquals("auto", b.at("/tool_choice/type").asText());
        assertEquals(0.5, b.path("temperature").asDouble());
        assertEquals(0.9, b.path("top_p").asDouble());
        assertEquals(512, b.path("max_tokens").asInt());
        assertEquals("END", b.at("/stop_sequences/0").asText());
        assertEquals("user-1234", b.at("/metadata/user_id").asText());
        assertFalse(b.has("stream"));
    }

    @Test
    void defaultsMaxTokensAndStreams() {
        TranslatedRequest r = t.toProvider(req("""
                {"model":"anthropic/x","messages":[{"role":"user","content":"hi"}],"stream":true,
                 "stream_options":{"include_usage":true}}"""), "claude-3-5-haiku-latest");
        JsonNode b = body(r);
        assertEquals(4096, b.path("max_tokens").asInt());
        assertTrue(b.path("stream").asBoolean());
        assertTrue(r.stream());
        assertFalse(b.has("system"));
        assertFalse(b.has("tools"));
        assertEquals("hi", b.at("/messages/0/content/0/text").asText());
    }

    @Test
    void legacyMaxTokensIsRead() {
        JsonNode b = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"max_tokens":77}"""), "m"));
        assertEquals(77, b.path("max_tokens").asInt());
    }

    @Test
    void imageUrlsStayUrls() {
        JsonNode b = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}"""),
                "m"));
        assertEquals("url", b.at("/messages/0/content/0/source/type").asText());
        assertEquals("https://example.com/cat.jpg", b.at("/messages/0/content/0/source/url").asText());
    }

    @Test
    void toolChoices() {
        String base = """
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":%s}""";
        assertEquals("any", body(t.toProvider(req(base.formatted("\"required\"")), "m")).at("/tool_choice/type").asText());
        assertEquals("none", body(t.toProvider(req(base.formatted("\"none\"")), "m")).at("/tool_choice/type").asText());
        JsonNode named = body(t.toProvider(req(base.formatted("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}")), "m"));
        assertEquals("tool", named.at("/tool_choice/type").asText());
        assertEquals("f", named.at("/tool_choice/name").asText());
        // a function without parameters gets an empty object schema, which Anthropic requires
        assertEquals("object", named.at("/tools/0/input_schema/type").asText());
        ObjectNode serial = req(base.formatted("\"auto\""));
        serial.put("parallel_tool_calls", false);
        JsonNode b = body(t.toProvider(serial, "m"));
        assertTrue(b.at("/tool_choice/disable_parallel_tool_use").asBoolean());
    }

    @Test
    void reasoningEffortBecomesAThinkingBudget() {
        JsonNode b = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"high"}"""), "m"));
        assertEquals("enabled", b.at("/thinking/type").asText());
        assertEquals(24576, b.at("/thinking/budget_tokens").asInt());
        assertEquals(24576 + 4096, b.path("max_tokens").asInt());
        JsonNode capped = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"medium","max_completion_tokens":3000}"""), "m"));
        assertEquals(2999, capped.at("/thinking/budget_tokens").asInt());
        assertEquals(3000, capped.path("max_tokens").asInt());
        JsonNode none = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"none"}"""), "m"));
        assertFalse(none.has("thinking"));
        UnsupportedParameterException e = assertThrows(UnsupportedParameterException.class, () -> t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"low","max_completion_tokens":600}"""), "m"));
        assertEquals("reasoning_effort", e.param());
    }

    @Test
    void refusesWhatAnthropicCannotDo() {
        for (String[] c : List.of(
                new String[]{"response_format", "\"response_format\":{\"type\":\"json_object\"}"},
                new String[]{"n", "\"n\":2"},
                new String[]{"seed", "\"seed\":7"},
                new String[]{"temperature", "\"temperature\":1.5"},
                new String[]{"frequency_penalty", "\"frequency_penalty\":0.5"},
                new String[]{"logprobs", "\"logprobs\":true"},
                new String[]{"logit_bias", "\"logit_bias\":{\"50256\":-100}"},
                new String[]{"functions", "\"functions\":[{\"name\":\"f\"}]"},
                new String[]{"messages[0].content[0].type", "\"x\":null,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]"},
                new String[]{"tools[0].type", "\"tools\":[{\"type\":\"web_search\"}]"})) {
            String json = c[1].contains("\"messages\"") ? "{" + c[1] + "}"
                    : "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + c[1] + "}";
            UnsupportedParameterException e = assertThrows(UnsupportedParameterException.class,
                    () -> t.toProvider(req(json), "m"), c[1]);
            assertEquals(c[0], e.param(), c[1]);
            assertEquals("anthropic", e.provider());
        }
    }

    @Test
    void jsonSchemaBecomesStructuredOutput() {
        JsonNode b = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"Extract the city."}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"place","strict":true,"schema":{
                   "type":"object","properties":{"city":{"type":"string"}},"required":["city"],
                   "additionalProperties":false}}}}"""), "claude-sonnet-4-5"));
        assertEquals("json_schema", b.at("/output_config/format/type").asText(), b::toString);
        assertEquals("string", b.at("/output_config/format/schema/properties/city/type").asText());
        assertFalse(b.at("/output_config/format/schema/additionalProperties").asBoolean(true));
        assertFalse(b.has("tools"), "no tool is forced to get JSON");
        assertFalse(b.has("output_format"), "the beta's parameter is not used");
    }

    @Test
    void acceptsDefaultsAndHarmlessParameters() {
        JsonNode b = body(t.toProvider(req("""
                {"messages":[{"role":"user","content":"hi"}],"n":1,"frequency_penalty":0,"presence_penalty":0,
                 "logprobs":false,"parallel_tool_calls":true,"store":true,"metadata":{"a":"b"},"service_tier":"auto",
                 "response_format":{"type":"text"}}"""), "m"));
        assertEquals("hi", b.at("/messages/0/content/0/text").asText());
    }

    @Test
    void textAnswerWithCachedUsage() {
        ObjectNode c = t.fromProvider(json("anthropic/response-text.json"), "anthropic/claude-sonnet-4-5");
        assertEquals("msg_013Zva2CMHLNnXjNJJKqJ2EF", c.path("id").asText());
        assertEquals("chat.completion", c.path("object").asText());
        assertEquals(1_750_000_000L, c.path("created").asLong());
        assertEquals("anthropic/claude-sonnet-4-5", c.path("model").asText());
        JsonNode choice = c.at("/choices/0");
        assertEquals("assistant", choice.at("/message/role").asText());
        assertEquals("Hi! My name is Claude.", choice.at("/message/content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        JsonNode u = c.get("usage");
        assertEquals(2095 + 1800 + 100, u.path("prompt_tokens").asInt());
        assertEquals(503, u.path("completion_tokens").asInt());
        assertEquals(2095 + 1800 + 100 + 503, u.path("total_tokens").asInt());
        assertEquals(1800, u.at("/prompt_tokens_details/cached_tokens").asInt());
        assertEquals(0, u.at("/completion_tokens_details/reasoning_tokens").asInt());
    }

    @Test
    void toolUseAnswer() {
        ObjectNode c = t.fromProvider(json("anthropic/response-tool-use.json"), "anthropic/claude-sonnet-4-5");
        JsonNode m = c.at("/choices/0/message");
        assertEquals("I'll check the current weather in San Francisco for you.", m.path("content").asText());
        assertEquals("toolu_01A09q90qw90lq917835lq9", m.at("/tool_calls/0/id").asText());
        assertEquals("function", m.at("/tool_calls/0/type").asText());
        assertEquals("get_weather", m.at("/tool_calls/0/function/name").asText());
        assertEquals(obj("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"),
                Fixtures.parse(m.at("/tool_calls/0/function/arguments").asText()));
        assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void thinkingAnswerAndFinishReasons() {
        ObjectNode c = t.fromProvider(json("anthropic/response-thinking.json"), "m");
        assertEquals("Based on my analysis...", c.at("/choices/0/message/content").asText());
        assertEquals("Let me analyze this step by step...", c.at("/choices/0/message/reasoning_content").asText());
        assertEquals("length", c.at("/choices/0/finish_reason").asText());
        assertEquals("stop", AnthropicTranslator.finishReason("end_turn"));
        assertEquals("stop", AnthropicTranslator.finishReason("stop_sequence"));
        assertEquals("length", AnthropicTranslator.finishReason("max_tokens"));
        assertEquals("tool_calls", AnthropicTranslator.finishReason("tool_use"));
        assertEquals("content_filter", AnthropicTranslator.finishReason("refusal"));
    }

    @Test
    void streamsToolCallsAndUsage() {
        ObjectNode request = Fixtures.withStream(obj("{\"messages\":[]}"), true);
        List<ObjectNode> chunks = Fixtures.replay(t.stream(request, "anthropic/claude-sonnet-4-5"),
                "anthropic/stream-tool-use.jsonl");
        ObjectNode first = chunks.get(0);
        assertEquals("chat.completion.chunk", first.path("object").asText());
        assertEquals("msg_014p7gG3wDgGV9EUtLvnow3U", first.path("id").asText());
        assertEquals("anthropic/claude-sonnet-4-5", first.path("model").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        assertEquals("Okay, let's check the weather for San Francisco, CA:", Fixtures.content(chunks));
        ObjectNode toolStart = chunks.stream().filter(c -> c.at("/choices/0/delta/tool_calls/0/id").isTextual())
                .findFirst().orElseThrow();
        JsonNode call = toolStart.at("/choices/0/delta/tool_calls/0");
        assertEquals(0, call.path("index").asInt());
        assertEquals("toolu_01T1x1fJ34qAmk2tNTrN7Up6", call.path("id").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("{\"location\": \"San Francisco, CA\"}", Fixtures.arguments(chunks, 0));
        ObjectNode finish = chunks.get(chunks.size() - 2);
        assertEquals("tool_calls", finish.at("/choices/0/finish_reason").asText());
        ObjectNode usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(472 + 128, usage.at("/usage/prompt_tokens").asInt());
        assertEquals(89, usage.at("/usage/completion_tokens").asInt());
        assertEquals(128, usage.at("/usage/prompt_tokens_details/cached_tokens").asInt());
        chunks.forEach(c -> assertEquals(first.path("id").asText(), c.path("id").asText()));
        long finishes = chunks.stream().filter(c -> c.at("/choices/0/finish_reason").isTextual()).count();
        assertEquals(1, finishes);
    }

    @Test
    void noUsageChunkUnlessAskedFor() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), false), "m"),
                "anthropic/stream-tool-use.jsonl");
        assertTrue(chunks.stream().noneMatch(c -> c.has("usage")));
        assertEquals("tool_calls", chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void streamsThinkingAsReasoningContent() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), false), "m"),
                "anthropic/stream-thinking.jsonl");
        StringBuilder reasoning = new StringBuilder();
        chunks.forEach(c -> reasoning.append(c.at("/choices/0/delta/reasoning_content").asText("")));
        assertTrue(reasoning.toString().startsWith("Let me solve this step by step"));
        assertEquals("27 * 453 = 12,231", Fixtures.content(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void streamedErrorBecomesAnOpenAiErrorObject() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), true), "m"),
                "anthropic/stream-overloaded.jsonl");
        ObjectNode error = chunks.stream().filter(c -> c.has("error")).findFirst().orElseThrow();
        assertEquals("Overloaded", error.at("/error/message").asText());
        assertEquals("server_error", error.at("/error/type").asText());
        assertEquals("overloaded", error.at("/error/code").asText());
    }

    @Test
    void mapsErrors() {
        OpenAiError overloaded = t.mapError(529, json("anthropic/error-overloaded.json"));
        assertEquals(503, overloaded.status());
        assertEquals("server_error", overloaded.type());
        OpenAiError limited = t.mapError(429, json("anthropic/error-rate-limit.json"));
        assertEquals(429, limited.status());
        assertEquals("requests", limited.type());
        assertEquals("rate_limit_exceeded", limited.code());
        assertTrue(limited.message().startsWith("Number of request tokens"));
        OpenAiError auth = t.mapError(401, json("anthropic/error-auth.json"));
        assertEquals(401, auth.status());
        assertEquals("invalid_api_key", auth.code());
        assertEquals("invalid x-api-key", auth.message());
        OpenAiError invalid = t.mapError(400, json("anthropic/error-invalid.json"));
        assertEquals(400, invalid.status());
        assertEquals("invalid_request_error", invalid.type());
        assertTrue(invalid.body().at("/error/param").isNull());
        assertNull(invalid.code());
        OpenAiError empty = t.mapError(500, null);
        assertEquals("upstream provider answered HTTP 500", empty.message());
    }
}
