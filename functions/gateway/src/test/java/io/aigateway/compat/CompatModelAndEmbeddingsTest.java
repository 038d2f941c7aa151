package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static io.aigateway.compat.Fixtures.body;
import static io.aigateway.compat.Fixtures.json;
import static io.aigateway.compat.Fixtures.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompatModelAndEmbeddingsTest {
    private final CompatTranslators all = new CompatTranslators(Fixtures.CLOCK);

    @Test
    void parsesModels() {
        assertEquals(new CompatModel.ProviderModel("anthropic", "claude-sonnet-4-5"),
                CompatModel.parse("anthropic/claude-sonnet-4-5"));
        assertEquals(new CompatModel.ProviderModel("workers-ai", "@cf/meta/llama-3.1-8b-instruct"),
                CompatModel.parse("workers-ai/@cf/meta/llama-3.1-8b-instruct"));
        assertEquals(new CompatModel.ProviderModel("openrouter", "anthropic/claude-sonnet-4.5"),
                CompatModel.parse("openrouter/anthropic/claude-sonnet-4.5"));
        assertEquals(new CompatModel.RouteRef("support-bot"), CompatModel.parse("dynamic/support-bot"));
        for (String bad : new String[]{"gpt-4o", "/x", "anthropic/", "", null}) {
            assertEquals("model", assertThrows(UnsupportedParameterException.class, () -> CompatModel.parse(bad)).param());
        }
    }

    @Test
    void registryKnowsEveryTranslatedProvider() {
        for (String slug : new String[]{"anthropic", "google-ai-studio", "google-vertex-ai", "aws-bedrock", "cohere",
                "workers-ai", "groq", "mistral", "deepseek", "openrouter", "perplexity-ai", "grok", "cerebras",
                "azure-openai", "openai"}) {
            assertEquals(slug, all.chat(slug).orElseThrow().provider());
        }
        assertInstanceOf(PassThroughTranslator.class, all.chat("deepseek").orElseThrow());
        assertTrue(all.chat("replicate").isEmpty());
        assertEquals("model", assertThrows(UnsupportedParameterException.class,
                () -> all.chatFor(new CompatModel.ProviderModel("huggingface", "x"))).param());
        assertEquals("model", assertThrows(UnsupportedParameterException.class,
                () -> all.embeddingsFor(new CompatModel.ProviderModel("anthropic", "x"))).param());
    }

    @Test
    void geminiEmbeddings() {
        EmbeddingsTranslator g = all.embeddings("google-ai-studio").orElseThrow();
        ObjectNode req = obj("{\"model\":\"google-ai-studio/gemini-embedding-001\",\"input\":[\"hello\",\"goodbye\"],"
                + "\"dimensions\":768,\"encoding_format\":\"float\"}");
        TranslatedRequest r = g.toProvider(req, "gemini-embedding-001");
        assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", r.path());
        JsonNode b = body(r);
        assertEquals("models/gemini-embedding-001", b.at("/requests/0/model").asText());
        assertEquals("goodbye", b.at("/requests/1/content/parts/0/text").asText());
        assertEquals(768, b.at("/requests/1/outputDimensionality").asInt());
        ObjectNode out = g.fromProvider(json("embeddings/gemini-batch.json"), req, "google-ai-studio/gemini-embedding-001");
        assertEquals("list", out.path("object").asText());
        assertEquals(1, out.at("/data/1/index").asInt());
        assertEquals("embedding", out.at("/data/1/object").asText());
        assertEquals(0.5, out.at("/data/1/embedding/0").asDouble());
        assertEquals(0, out.at("/usage/prompt_tokens").asInt());
        assertEquals("input", assertThrows(UnsupportedParameterException.class,
                () -> g.toProvider(obj("{\"input\":[[1,2,3]]}"), "m")).param());
    }

    @Test
    void cohereEmbeddingsAsBase64() {
        EmbeddingsTranslator c = all.embeddings("cohere").orElseThrow();
        ObjectNode req = obj("{\"input\":[\"hello\",\"goodbye\"],\"encoding_format\":\"base64\",\"input_type\":\"search_query\"}");
        JsonNode b = body(c.toProvider(req, "embed-v4.0"));
        assertEquals("search_query", b.path("input_type").asText());
        assertEquals("float", b.at("/embedding_types/0").asText());
        assertEquals("goodbye", b.at("/texts/1").asText());
        assertEquals("search_document", body(c.toProvider(obj("{\"input\":\"x\"}"), "embed-v4.0")).path("input_type").asText());
        ObjectNode out = c.fromProvider(json("embeddings/cohere-embed.json"), req, "cohere/embed-v4.0");
        assertEquals(2, out.at("/usage/prompt_tokens").asInt());
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(out.at("/data/1/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.5f, buf.getFloat());
        assertEquals(0.25f, buf.getFloat());
        assertEquals(-1.0f, buf.getFloat());
    }

    @Test
    void bedrockAndWorkersAiEmbeddings() {
        EmbeddingsTranslator b = all.embeddings("aws-bedrock").orElseThrow();
        ObjectNode one = obj("{\"input\":\"hello\",\"dimensions\":256}");
        TranslatedRequest titan = b.toProvider(one, "amazon.titan-embed-text-v2:0");
        assertEquals("/model/amazon.titan-embed-text-v2%3A0/invoke", titan.path());
        assertEquals("hello", body(titan).path("inputText").asText());
        assertEquals(256, body(titan).path("dimensions").asInt());
        ObjectNode out = b.fromProvider(json("embeddings/titan.json"), one, "aws-bedrock/amazon.titan-embed-text-v2:0");
        assertEquals(-0.456, out.at("/data/0/embedding/1").asDouble(), 1e-9);
        assertEquals(4, out.at("/usage/prompt_tokens").asInt());
        assertEquals("input", assertThrows(UnsupportedParameterException.class,
                () -> b.toProvider(obj("{\"input\":[\"a\",\"b\"]}"), "amazon.titan-embed-text-v2:0")).param());
        assertEquals("model", assertThrows(UnsupportedParameterException.class,
                () -> b.toProvider(obj("{\"input\":\"a\"}"), "anthropic.claude-3-haiku")).param());
        assertEquals(2, body(b.toProvider(obj("{\"input\":[\"a\",\"b\"]}"), "cohere.embed-english-v3")).get("texts").size());

        EmbeddingsTranslator w = all.embeddings("workers-ai").orElseThrow();
        ObjectNode req = obj("{\"input\":[\"a\",\"b\"]}");
        assertEquals("/@cf/baai/bge-base-en-v1.5", w.toProvider(req, "@cf/baai/bge-base-en-v1.5").path());
        assertEquals(0.6, w.fromProvider(json("embeddings/workers-ai-bge.json"), req, "m").at("/data/1/embedding/2").asDouble());
        assertEquals("dimensions", assertThrows(UnsupportedParameterException.class,
                () -> w.toProvider(obj("{\"input\":\"a\",\"dimensions\":3}"), "@cf/m")).param());

        EmbeddingsTranslator openai = all.embeddings("openai").orElseThrow();
        assertEquals("text-embedding-3-small", body(openai.toProvider(obj("{\"model\":\"openai/text-embedding-3-small\",\"input\":\"a\"}"),
                "text-embedding-3-small")).path("model").asText());
        assertTrue(all.embeddings("groq").isEmpty());
    }
}
