package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.aigateway.compat.Fixtures.body;
import static io.aigateway.compat.Fixtures.json;
import static io.aigateway.compat.Fixtures.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkersAiAndPassThroughTest {
    private final WorkersAiTranslator w = new WorkersAiTranslator(Fixtures.CLOCK);

    @Test
    void workersAiRequest() {
        TranslatedRequest r = w.toProvider(obj("""
                {"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]}],
                 "max_tokens":100,"temperature":0.2,"seed":5,"stream":true,
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}"""),
                "@cf/meta/llama-3.1-8b-instruct");
        assertEquals("/@cf/meta/llama-3.1-8b-instruct", r.path());
        assertTrue(r.stream());
        JsonNode b = body(r);
        assertEquals("hi", b.at("/messages/1/content").asText());
        assertEquals(100, b.path("max_tokens").asInt());
        assertEquals("json_schema", b.at("/response_format/type").asText());
        assertEquals("object", b.at("/response_format/json_schema/type").asText());
        assertEquals("stop", assertThrows(UnsupportedParameterException.class, () -> w.toProvider(obj("""
                {"messages":[{"role":"user","content":"hi"}],"stop":"x"}"""), "@cf/m")).param());
        assertEquals("messages[0].content", assertThrows(UnsupportedParameterException.class, () -> w.toProvider(obj("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}"""),
                "@cf/m")).param());
    }

    @Test
    void workersAiAnswersAndStream() {
        ObjectNode text = w.fromProvider(json("workers-ai/response-text.json"), "workers-ai/@cf/meta/llama");
        assertEquals("Hello! How can I help you today?", text.at("/choices/0/message/content").asText());
        assertEquals(35, text.at("/usage/total_tokens").asInt());
        ObjectNode tool = w.fromProvider(json("workers-ai/response-tool-call.json"), "m");
        assertEquals("{\"location\":\"Austin\"}", tool.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", tool.at("/choices/0/finish_reason").asText());
        List<ObjectNode> chunks = Fixtures.replay(w.stream(Fixtures.withStream(obj("{}"), true), "m"),
                "workers-ai/stream-text.jsonl");
        assertEquals("Hello there", Fixtures.content(chunks));
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        assertEquals("stop", chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
        assertEquals(21, chunks.get(chunks.size() - 1).at("/usage/total_tokens").asInt());
        OpenAiError e = w.mapError(401, json("workers-ai/error-auth.json"));
        assertEquals("Authentication error", e.message());
        assertEquals("invalid_api_key", e.code());
    }

    @Test
    void passThroughRenamesTheModelOnly() {
        ObjectNode req = obj("""
                {"model":"groq/llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}],"logprobs":true,
                 "stream":true,"stream_options":{"include_usage":true}}""");
        PassThroughTranslator g = new PassThroughTranslator("groq");
        TranslatedRequest r = g.toProvider(req, "llama-3.3-70b-versatile");
        assertEquals("/chat/completions", r.path());
        assertTrue(r.stream());
        ObjectNode expected = req.deepCopy();
        expected.put("model", "llama-3.3-70b-versatile");
        assertEquals(expected, body(r));
        assertEquals("groq/llama-3.3-70b-versatile", req.path("model").asText(), "the caller's request is untouched");
        assertEquals("/v1/chat/completions", new PassThroughTranslator("mistral").toProvider(req, "m").path());
        assertTrue(new PassThroughTranslator("azure-openai").toProvider(req, "m").path().contains("api-version="));
        ObjectNode chunk = obj("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[]}");
        assertSame(chunk, g.stream(req, "m").onEvent(null, chunk).get(0));
        assertTrue(g.stream(req, "m").onEvent(null, com.fasterxml.jackson.databind.node.TextNode.valueOf("[DONE]")).isEmpty());
        ObjectNode err = obj("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        assertEquals(err, g.mapError(429, err).body());
        assertEquals("upstream provider answered HTTP 502", g.mapError(502, null).message());
    }
}
