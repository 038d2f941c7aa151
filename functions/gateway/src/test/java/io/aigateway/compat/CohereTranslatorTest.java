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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CohereTranslatorTest {
    private final CohereTranslator t = new CohereTranslator(Fixtures.CLOCK);

    @Test
    void translatesAFullToolConversation() {
        TranslatedRequest r = t.toProvider(json("openai/request-tools.json"), "command-a-03-2025");
        assertEquals("/v2/chat", r.path());
        JsonNode b = body(r);
        assertEquals("command-a-03-2025", b.path("model").asText());
        JsonNode m = b.get("messages");
        assertEquals("system", m.at("/0/role").asText());
        assertEquals("system", m.at("/1/role").asText());
        assertEquals("image_url", m.at("/2/content/1/type").asText());
        assertTrue(m.at("/2/content/1/image_url/url").asText().startsWith("data:image/png;base64,"));
        assertEquals("call_paris", m.at("/3/tool_calls/0/id").asText());
        assertEquals("{\"location\":\"Paris\"}", m.at("/3/tool_calls/0/function/arguments").asText());
        assertEquals("tool", m.at("/4/role").asText());
        assertEquals("call_paris", m.at("/4/tool_call_id").asText());
        assertEquals("Thanks. And tomorrow?", m.at("/7/content").asText());
        assertEquals("get_weather", b.at("/tools/0/function/name").asText());
        assertFalse(b.has("tool_choice"), "auto is Cohere's default");
        assertEquals(512, b.path("max_tokens").asInt());
        assertEquals(0.9, b.path("p").asDouble());
        assertEquals("END", b.at("/stop_sequences/0").asText());
    }

    @Test
    void responseFormatToolChoiceAndReasoning() {
        JsonNode b = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"seed":3,"frequency_penalty":0.2,"presence_penalty":0.1,
                 "reasoning_effort":"medium","stream":true,
                 "response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object",
                   "properties":{"a":{"type":"string"}}}}},
                 "tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}],
                 "tool_choice":{"type":"function","function":{"name":"g"}}}"""), "command-a-reasoning-08-2025"));
        assertEquals(3, b.path("seed").asInt());
        assertEquals(0.2, b.path("frequency_penalty").asDouble());
        assertEquals("json_object", b.at("/response_format/type").asText());
        assertEquals("string", b.at("/response_format/json_schema/properties/a/type").asText());
        assertEquals("enabled", b.at("/thinking/type").asText());
        assertEquals(8192, b.at("/thinking/token_budget").asInt());
        assertEquals(1, b.get("tools").size(), "a named choice keeps only that tool");
        assertEquals("g", b.at("/tools/0/function/name").asText());
        assertEquals("REQUIRED", b.path("tool_choice").asText());
        assertTrue(b.path("stream").asBoolean());
        assertEquals("NONE", body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":"none"}"""), "m")).path("tool_choice").asText());
        assertEquals("n", assertThrows(UnsupportedParameterException.class, () -> t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"n":2}"""), "m")).param());
    }

    @Test
    void answers() {
        ObjectNode text = t.fromProvider(json("cohere/response-text.json"), "cohere/command-a-03-2025");
        assertEquals("c14c80c3-18eb-4519-9460-6c92edd8cfb4", text.path("id").asText());
        assertEquals("LLMs stand for Large Language Models.", text.at("/choices/0/message/content").asText());
        assertEquals("stop", text.at("/choices/0/finish_reason").asText());
        assertEquals(71, text.at("/usage/prompt_tokens").asInt());
        assertEquals(9, text.at("/usage/completion_tokens").asInt());
        ObjectNode tool = t.fromProvider(json("cohere/response-tool-call.json"), "m");
        assertTrue(tool.at("/choices/0/message/content").isNull());
        assertEquals("get_weather_1byjy32y4hvq", tool.at("/choices/0/message/tool_calls/0/id").asText());
        assertEquals("{\"location\":\"Toronto\"}", tool.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", tool.at("/choices/0/finish_reason").asText());
        assertEquals("length", CohereTranslator.finishReason("MAX_TOKENS"));
        assertEquals("stop", CohereTranslator.finishReason("STOP_SEQUENCE"));
    }

    @Test
    void streamsParallelToolCalls() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), true), "m"),
                "cohere/stream-tool-call.jsonl");
        assertEquals("fba98ad3-e5a1-413c-a8de-84fbf9baabf7", chunks.get(0).path("id").asText());
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        assertEquals("{\n    \"location\": \"Madrid\"}", Fixtures.arguments(chunks, 0));
        assertEquals("{\"location\": \"Brasilia\"}", Fixtures.arguments(chunks, 1));
        assertTrue(chunks.stream().anyMatch(c -> "get_weather_weg9vjbzd0ff"
                .equals(c.at("/choices/0/delta/tool_calls/0/id").asText())));
        assertEquals("tool_calls", chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
        assertEquals(913, chunks.get(chunks.size() - 1).at("/usage/prompt_tokens").asInt());
        assertEquals(81, chunks.get(chunks.size() - 1).at("/usage/completion_tokens").asInt());
    }

    @Test
    void streamsText() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), false), "m"),
                "cohere/stream-text.jsonl");
        assertEquals("A large language model", Fixtures.content(chunks));
        assertEquals("length", chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void errors() {
        OpenAiError e = t.mapError(404, json("cohere/error-invalid.json"));
        assertEquals(404, e.status());
        assertEquals("model_not_found", e.code());
        assertTrue(e.message().startsWith("invalid request: model 'command-x' not found"));
        assertEquals(429, t.mapError(429, obj("{\"message\":\"trial key limit\"}")).status());
    }
}
