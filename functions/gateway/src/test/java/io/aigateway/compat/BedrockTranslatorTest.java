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

class BedrockTranslatorTest {
    private final BedrockTranslator t = new BedrockTranslator(Fixtures.CLOCK);
    private static final String CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";

    @Test
    void translatesAFullToolConversation() {
        TranslatedRequest r = t.toProvider(json("openai/request-tools.json"), CLAUDE);
        assertEquals("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", r.path());
        assertFalse(r.stream());
        JsonNode b = body(r);
        assertEquals("You are a weather bot.", b.at("/system/0/text").asText());
        assertEquals("Answer in celsius.", b.at("/system/1/text").asText());
        JsonNode m = b.get("messages");
        assertEquals(5, m.size(), m.toString());
        assertEquals("png", m.at("/0/content/1/image/format").asText());
        assertTrue(m.at("/0/content/1/image/source/bytes").asText().startsWith("iVBOR"));
        assertEquals("call_paris", m.at("/1/content/0/toolUse/toolUseId").asText());
        assertEquals("Paris", m.at("/1/content/0/toolUse/input/location").asText());
        assertEquals("call_boston", m.at("/2/content/1/toolResult/toolUseId").asText());
        assertEquals("rainy, 12 degrees", m.at("/2/content/1/toolResult/content/0/text").asText());
        assertEquals("get_weather", b.at("/toolConfig/tools/0/toolSpec/name").asText());
        assertEquals("object", b.at("/toolConfig/tools/0/toolSpec/inputSchema/json/type").asText());
        assertTrue(b.at("/toolConfig/toolChoice/auto").isObject());
        JsonNode i = b.get("inferenceConfig");
        assertEquals(512, i.path("maxTokens").asInt());
        assertEquals(0.5, i.path("temperature").asDouble());
        assertEquals(0.9, i.path("topP").asDouble());
        assertEquals("END", i.at("/stopSequences/0").asText());
    }

    @Test
    void streamsOnConverseStream() {
        TranslatedRequest r = t.toProvider(obj("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}"),
                "amazon.nova-lite-v1:0");
        assertEquals("/model/amazon.nova-lite-v1%3A0/converse-stream", r.path());
        assertTrue(r.stream());
        assertFalse(body(r).has("inferenceConfig"));
    }

    @Test
    void toolChoices() {
        String base = """
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":%s}""";
        assertTrue(body(t.toProvider(obj(base.formatted("\"required\"")), CLAUDE)).at("/toolConfig/toolChoice/any").isObject());
        assertEquals("f", body(t.toProvider(obj(base.formatted("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}")),
                CLAUDE)).at("/toolConfig/toolChoice/tool/name").asText());
        assertFalse(body(t.toProvider(obj(base.formatted("\"none\"")), CLAUDE)).has("toolConfig"),
                "none leaves the tools out");
        ObjectNode withHistory = obj("""
                {"messages":[{"role":"user","content":"hi"},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"ok"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}""");
        assertEquals("tool_choice", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(withHistory, CLAUDE)).param());
    }

    @Test
    void refusesUrlImagesJsonModeAndMore() {
        assertEquals("messages[0].content[0].image_url", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(obj("""
                        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]}"""),
                        CLAUDE)).param());
        assertEquals("messages[0].content[0].image_url", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(obj("""
                        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}"""),
                        CLAUDE)).param());
        for (String[] c : List.of(
                new String[]{"response_format", "\"response_format\":{\"type\":\"json_object\"}"},
                new String[]{"n", "\"n\":3"},
                new String[]{"seed", "\"seed\":1"},
                new String[]{"presence_penalty", "\"presence_penalty\":1"},
                new String[]{"reasoning_effort", "\"reasoning_effort\":\"high\""})) {
            UnsupportedParameterException e = assertThrows(UnsupportedParameterException.class, () -> t.toProvider(
                    obj("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + c[1] + "}"), "amazon.nova-pro-v1:0"));
            assertEquals(c[0], e.param());
            assertEquals("aws-bedrock", e.provider());
        }
    }

    @Test
    void jsonSchemaBecomesConverseStructuredOutput() {
        JsonNode b = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"Extract the city."}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"place","schema":{
                   "type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}"""), CLAUDE));
        JsonNode format = b.at("/outputConfig/textFormat");
        assertEquals("json_schema", format.path("type").asText(), b::toString);
        assertEquals("place", format.at("/structure/jsonSchema/name").asText());
        JsonNode schema = format.at("/structure/jsonSchema/schema");
        assertTrue(schema.isTextual(), "Converse takes the schema as a JSON string: " + schema);
        assertEquals("string", Fixtures.parse(schema.asText()).at("/properties/city/type").asText());
    }

    @Test
    void reasoningEffortOnClaude() {
        JsonNode b = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"medium"}"""), CLAUDE));
        assertEquals(8192, b.at("/additionalModelRequestFields/thinking/budget_tokens").asInt());
        assertEquals(8192 + 4096, b.at("/inferenceConfig/maxTokens").asInt());
    }

    @Test
    void textAnswerWithCache() {
        ObjectNode c = t.fromProvider(json("bedrock/response-text.json"), "aws-bedrock/" + CLAUDE);
        assertTrue(c.path("id").asText().startsWith("chatcmpl-"));
        assertEquals("Here is a short story about a dragon.", c.at("/choices/0/message/content").asText());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
        assertEquals(30 + 300 + 100, c.at("/usage/prompt_tokens").asInt());
        assertEquals(628, c.at("/usage/completion_tokens").asInt());
        assertEquals(300, c.at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }

    @Test
    void toolUseAndGuardrailAnswers() {
        ObjectNode c = t.fromProvider(json("bedrock/response-tool-use.json"), "m");
        assertEquals("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", c.at("/choices/0/message/tool_calls/0/id").asText());
        assertEquals("top_song", c.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals("{\"sign\":\"WZPZ\"}", c.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText());
        assertEquals("content_filter", t.fromProvider(json("bedrock/response-guardrail.json"), "m")
                .at("/choices/0/finish_reason").asText());
        assertEquals("content_filter", BedrockTranslator.finishReason("content_filtered"));
        assertEquals("length", BedrockTranslator.finishReason("max_tokens"));
        assertEquals("stop", BedrockTranslator.finishReason("stop_sequence"));
    }

    @Test
    void streamsToolUseThenUsage() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), true), "b"),
                "bedrock/stream-tool-use.jsonl");
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        assertEquals("I'll look up the song.", Fixtures.content(chunks));
        assertEquals("{\"sign\": \"WZPZ\"}", Fixtures.arguments(chunks, 0));
        assertTrue(chunks.stream().anyMatch(c -> "tooluse_ZMDWHIxxSOmH6RbOwJkzIw"
                .equals(c.at("/choices/0/delta/tool_calls/0/id").asText())));
        assertEquals("tool_calls", chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
        ObjectNode usage = chunks.get(chunks.size() - 1);
        assertEquals(375 + 200, usage.at("/usage/prompt_tokens").asInt());
        assertEquals(200, usage.at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }

    @Test
    void acceptsTheUnionFormOfEvents() {
        StreamTranslator s = t.stream(obj("{}"), "b");
        List<ObjectNode> chunks = s.onEvent(null, obj("{\"contentBlockDelta\":{\"contentBlockIndex\":0,\"delta\":{\"text\":\"hi\"}}}"));
        assertEquals("hi", Fixtures.content(chunks));
    }

    @Test
    void errorsAndStreamedExceptions() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(obj("{}"), "b"), "bedrock/stream-throttled.jsonl");
        ObjectNode error = chunks.get(chunks.size() - 1);
        assertEquals("rate_limit_exceeded", error.at("/error/code").asText());
        assertEquals("Too many tokens, please wait before trying again.", error.at("/error/message").asText());
        OpenAiError v = t.mapError(400, json("bedrock/error-validation.json"));
        assertEquals(400, v.status());
        assertTrue(v.message().startsWith("The model returned the following errors"));
        assertEquals(429, t.mapError(429, json("bedrock/error-throttling.json")).status());
        assertEquals(502, t.mapError(424, obj("{\"message\":\"model failed\"}")).status());
        assertEquals(403, t.mapError(403, obj("{\"Message\":\"User is not authorized\"}")).status());
        assertEquals("User is not authorized", t.mapError(403, obj("{\"Message\":\"User is not authorized\"}")).message());
    }
}
