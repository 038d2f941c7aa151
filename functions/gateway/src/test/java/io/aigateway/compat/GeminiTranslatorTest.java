package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.aigateway.compat.Fixtures.body;
import static io.aigateway.compat.Fixtures.json;
import static io.aigateway.compat.Fixtures.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiTranslatorTest {
    private final GeminiTranslator t = new GeminiTranslator("google-ai-studio", Fixtures.CLOCK);

    @Test
    void translatesAFullToolConversation() {
        TranslatedRequest r = t.toProvider(json("openai/request-tools.json"), "gemini-2.5-flash");
        assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", r.path());
        assertFalse(r.stream());
        assertTrue(r.headers().isEmpty());
        JsonNode b = body(r);
        assertEquals("You are a weather bot.", b.at("/systemInstruction/parts/0/text").asText());
        assertEquals("Answer in celsius.", b.at("/systemInstruction/parts/1/text").asText());
        JsonNode c = b.get("contents");
        assertEquals(5, c.size(), c.toString());
        assertEquals("user", c.at("/0/role").asText());
        assertEquals("image/png", c.at("/0/parts/1/inlineData/mimeType").asText());
        assertTrue(c.at("/0/parts/1/inlineData/data").asText().startsWith("iVBOR"));
        assertEquals("model", c.at("/1/role").asText());
        assertEquals("get_weather", c.at("/1/parts/0/functionCall/name").asText());
        assertEquals("Boston, MA", c.at("/1/parts/1/functionCall/args/location").asText());
        assertEquals("user", c.at("/2/role").asText());
        assertEquals("get_weather", c.at("/2/parts/0/functionResponse/name").asText());
        assertEquals(18, c.at("/2/parts/0/functionResponse/response/temperature").asInt());
        assertEquals("rainy, 12 degrees", c.at("/2/parts/1/functionResponse/response/content").asText());
        assertEquals("model", c.at("/3/role").asText());
        assertEquals("Thanks. And tomorrow?", c.at("/4/parts/0/text").asText());
        JsonNode fn = b.at("/tools/0/functionDeclarations/0");
        assertEquals("get_weather", fn.path("name").asText());
        assertFalse(fn.path("parameters").has("additionalProperties"), "Gemini refuses additionalProperties");
        assertEquals("string", fn.at("/parameters/properties/location/type").asText());
        assertEquals("AUTO", b.at("/toolConfig/functionCallingConfig/mode").asText());
        JsonNode g = b.get("generationConfig");
        assertEquals(0.5, g.path("temperature").asDouble());
        assertEquals(0.9, g.path("topP").asDouble());
        assertEquals(512, g.path("maxOutputTokens").asInt());
        assertEquals("END", g.at("/stopSequences/0").asText());
        assertFalse(g.has("candidateCount"));
    }

    @Test
    void streamingPathAndVertexPath() {
        ObjectNode req = obj("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
        TranslatedRequest r = t.toProvider(req, "models/gemini-2.5-pro");
        assertEquals("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", r.path());
        assertTrue(r.stream());
        assertFalse(body(r).has("stream"), "Gemini streams by path, not by body");
        GeminiTranslator vertex = new GeminiTranslator("google-vertex-ai", Fixtures.CLOCK);
        assertEquals("/v1/projects/{project}/locations/{location}/publishers/google/models/gemini-2.5-pro:"
                + "streamGenerateContent?alt=sse", vertex.toProvider(req, "gemini-2.5-pro").path());
    }

    @Test
    void jsonModeSchemaCandidatesReasoningAndPenalties() {
        JsonNode b = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"n":2,"seed":42,"presence_penalty":0.5,
                 "frequency_penalty":0.25,"reasoning_effort":"low",
                 "response_format":{"type":"json_schema","json_schema":{"name":"person","strict":true,"schema":{
                   "$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false,
                   "properties":{"name":{"type":"string"},"age":{"type":["integer","null"]},"kind":{"const":"human"},
                     "home":{"$ref":"#/$defs/address"}},
                   "required":["name","age"],
                   "$defs":{"address":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}}}}}"""),
                "gemini-2.5-flash"));
        JsonNode g = b.get("generationConfig");
        assertEquals(2, g.path("candidateCount").asInt());
        assertEquals(42, g.path("seed").asInt());
        assertEquals(0.5, g.path("presencePenalty").asDouble());
        assertEquals(0.25, g.path("frequencyPenalty").asDouble());
        assertEquals(1024, g.at("/thinkingConfig/thinkingBudget").asInt());
        assertEquals("application/json", g.path("responseMimeType").asText());
        JsonNode s = g.get("responseSchema");
        assertFalse(s.has("additionalProperties"));
        assertFalse(s.has("$schema"));
        assertFalse(s.has("$defs"));
        assertEquals("integer", s.at("/properties/age/type").asText());
        assertTrue(s.at("/properties/age/nullable").asBoolean());
        assertEquals("human", s.at("/properties/kind/enum/0").asText());
        assertEquals("string", s.at("/properties/home/properties/city/type").asText());
        assertFalse(s.at("/properties/home").has("additionalProperties"));

        JsonNode json = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"},"reasoning_effort":"none"}"""), "m"));
        assertEquals("application/json", json.at("/generationConfig/responseMimeType").asText());
        assertFalse(json.at("/generationConfig").has("responseSchema"));
        assertEquals(0, json.at("/generationConfig/thinkingConfig/thinkingBudget").asInt());
    }

    @Test
    void refusesSchemasGeminiCannotExpress() {
        UnsupportedParameterException e = assertThrows(UnsupportedParameterException.class, () -> t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{
                  "name":"x","schema":{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}}}}"""),
                "m"));
        assertEquals("response_format.json_schema.schema", e.param());
        UnsupportedParameterException recursive = assertThrows(UnsupportedParameterException.class, () -> t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{
                  "name":"tree","schema":{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
                    "children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}}}}}"""), "m"));
        assertEquals("response_format.json_schema.schema", recursive.param());
    }

    @Test
    void toolChoicesAndRefusals() {
        String base = """
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f",
                 "parameters":{"type":"object","properties":{}}}}],"tool_choice":%s}""";
        JsonNode named = body(t.toProvider(obj(base.formatted("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}")), "m"));
        assertEquals("ANY", named.at("/toolConfig/functionCallingConfig/mode").asText());
        assertEquals("f", named.at("/toolConfig/functionCallingConfig/allowedFunctionNames/0").asText());
        assertFalse(named.at("/tools/0/functionDeclarations/0").has("parameters"), "no empty object schema");
        assertEquals("ANY", body(t.toProvider(obj(base.formatted("\"required\"")), "m"))
                .at("/toolConfig/functionCallingConfig/mode").asText());
        assertEquals("NONE", body(t.toProvider(obj(base.formatted("\"none\"")), "m"))
                .at("/toolConfig/functionCallingConfig/mode").asText());
        ObjectNode serial = obj(base.formatted("\"auto\""));
        serial.put("parallel_tool_calls", false);
        assertEquals("parallel_tool_calls", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(serial, "m")).param());
        assertEquals("messages[0].content[0].image_url", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(obj("""
                        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/render?id=7"}}]}]}"""),
                        "m")).param(), "no extension, no media type");
        assertEquals("messages[0].content[0].image_url", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(obj("""
                        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"gs://b/y.png"}}]}]}"""),
                        "m")).param(), "AI Studio reads no Cloud Storage URIs");
        assertEquals("messages[1].tool_call_id", assertThrows(UnsupportedParameterException.class,
                () -> t.toProvider(obj("""
                        {"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"nope","content":"x"}]}"""),
                        "m")).param());
        assertEquals("logprobs", assertThrows(UnsupportedParameterException.class, () -> t.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"logprobs":true}"""), "m")).param());
    }

    @Test
    void webImagesGoAsFileDataWithTheExtensionsMediaType() {
        JsonNode b = body(t.toProvider(obj("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                 {"type":"image_url","image_url":{"url":"https://cdn.example.com/cats/cat.JPG?X-Amz-Signature=ab.png#f","detail":"high"}}]}]}"""),
                "gemini-2.5-flash"));
        JsonNode file = b.at("/contents/0/parts/1/fileData");
        assertEquals("https://cdn.example.com/cats/cat.JPG?X-Amz-Signature=ab.png#f", file.path("fileUri").asText());
        assertEquals("image/jpeg", file.path("mimeType").asText(), "the path's extension, not the query's");
        assertEquals("image/webp", GeminiTranslator.mimeFromExtension("http://x/a.webp"));
        assertNull(GeminiTranslator.mimeFromExtension("https://x.png/image"));
    }

    @Test
    void vertexTakesCloudStorageImages() {
        GeminiTranslator vertex = new GeminiTranslator("google-vertex-ai", Fixtures.CLOCK);
        JsonNode b = body(vertex.toProvider(obj("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"gs://bucket/cat.jpeg"}}]}]}"""),
                "gemini-2.5-flash"));
        assertEquals("gs://bucket/cat.jpeg", b.at("/contents/0/parts/0/fileData/fileUri").asText());
        assertEquals("image/jpeg", b.at("/contents/0/parts/0/fileData/mimeType").asText());
    }

    @Test
    void textAnswerWithThoughtsAndCache() {
        ObjectNode c = t.fromProvider(json("gemini/response-text.json"), "google-ai-studio/gemini-2.5-flash");
        assertEquals("Il0taoSYJ5Cez7", c.path("id").asText());
        assertEquals("google-ai-studio/gemini-2.5-flash", c.path("model").asText());
        assertEquals("1+1 equals 2.", c.at("/choices/0/message/content").asText());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
        JsonNode u = c.get("usage");
        assertEquals(15, u.path("prompt_tokens").asInt());
        assertEquals(6 + 39, u.path("completion_tokens").asInt());
        assertEquals(60, u.path("total_tokens").asInt());
        assertEquals(4, u.at("/prompt_tokens_details/cached_tokens").asInt());
        assertEquals(39, u.at("/completion_tokens_details/reasoning_tokens").asInt());
    }

    @Test
    void functionCallAnswer() {
        ObjectNode c = t.fromProvider(json("gemini/response-function-call.json"), "m");
        JsonNode m = c.at("/choices/0/message");
        assertTrue(m.path("content").isNull());
        assertEquals(2, m.path("tool_calls").size());
        assertTrue(m.at("/tool_calls/0/id").asText().startsWith("call_"));
        assertFalse(m.at("/tool_calls/0/id").asText().equals(m.at("/tool_calls/1/id").asText()));
        assertEquals("get_current_weather", m.at("/tool_calls/0/function/name").asText());
        assertEquals("Paris", Fixtures.parse(m.at("/tool_calls/1/function/arguments").asText()).path("location").asText());
        assertEquals("tool_calls", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void candidatesBlockingAndFinishReasons() {
        ObjectNode two = t.fromProvider(json("gemini/response-two-candidates.json"), "m");
        assertEquals(2, two.get("choices").size());
        assertEquals(1, two.at("/choices/1/index").asInt());
        assertEquals("length", two.at("/choices/1/finish_reason").asText());
        ObjectNode blocked = t.fromProvider(json("gemini/response-blocked.json"), "m");
        assertEquals("content_filter", blocked.at("/choices/0/finish_reason").asText());
        assertEquals(8, blocked.at("/usage/prompt_tokens").asInt());
        assertEquals("content_filter", t.fromProvider(json("gemini/response-safety.json"), "m")
                .at("/choices/0/finish_reason").asText());
        for (String r : List.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT")) {
            assertEquals("content_filter", GeminiTranslator.finishReason(r, false));
        }
        assertEquals("stop", GeminiTranslator.finishReason("STOP", false));
        assertEquals("length", GeminiTranslator.finishReason("MAX_TOKENS", false));
    }

    @Test
    void streamsTextWithUsageAtTheEnd() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), true), "g"),
                "gemini/stream-text.jsonl");
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        assertEquals("sseResp1", chunks.get(0).path("id").asText());
        assertEquals("The sky is blue because of Rayleigh scattering.", Fixtures.content(chunks));
        ObjectNode last = chunks.get(chunks.size() - 2);
        assertEquals(" because of Rayleigh scattering.", last.at("/choices/0/delta/content").asText());
        assertEquals("stop", last.at("/choices/0/finish_reason").asText(), "finish on the last content chunk");
        ObjectNode usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(10, usage.at("/usage/prompt_tokens").asInt());
        assertEquals(11 + 26, usage.at("/usage/completion_tokens").asInt());
        assertEquals(26, usage.at("/usage/completion_tokens_details/reasoning_tokens").asInt());
        assertEquals(6, usage.at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }

    @Test
    void streamsWholeFunctionCalls() {
        List<ObjectNode> chunks = Fixtures.replay(t.stream(Fixtures.withStream(obj("{}"), false), "g"),
                "gemini/stream-function-call.jsonl");
        assertEquals(1, chunks.size());
        JsonNode choice = chunks.get(0).at("/choices/0");
        assertEquals("assistant", choice.at("/delta/role").asText());
        assertEquals(0, choice.at("/delta/tool_calls/0/index").asInt());
        assertEquals("get_current_weather", choice.at("/delta/tool_calls/0/function/name").asText());
        assertEquals("{\"location\":\"Boston, MA\"}", choice.at("/delta/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", choice.path("finish_reason").asText());
    }

    @Test
    void mapsErrors() {
        OpenAiError quota = t.mapError(429, json("gemini/error-quota.json"));
        assertEquals(429, quota.status());
        assertEquals("rate_limit_exceeded", quota.code());
        assertEquals("Resource has been exhausted (e.g. check quota).", quota.message());
        OpenAiError invalid = t.mapError(400, json("gemini/error-invalid.json"));
        assertEquals(400, invalid.status());
        assertEquals("invalid_request_error", invalid.type());
        List<ObjectNode> streamed = t.stream(obj("{}"), "g").onEvent(null, json("gemini/error-quota.json"));
        assertEquals("requests", streamed.get(0).at("/error/type").asText());
    }
}
