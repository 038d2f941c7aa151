package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** OpenAI Embeddings ({@code /compat/embeddings}) to each provider's embeddings API and back. */
final class Embeddings {
    private Embeddings() {
    }

    static Map<String, EmbeddingsTranslator> all() {
        Map<String, EmbeddingsTranslator> m = new HashMap<>();
        m.put(GeminiTranslator.AI_STUDIO, new Gemini());
        m.put("cohere", new Cohere());
        m.put("aws-bedrock", new Bedrock());
        m.put("workers-ai", new WorkersAi());
        for (Map.Entry<String, String> e : PassThrough.PATHS.entrySet()) {
            m.put(e.getKey(), new PassThrough(e.getKey(), e.getValue()));
        }
        return Map.copyOf(m);
    }

    // ---- shared ----

    /** {@code input}: a string or an array of strings. Token arrays are OpenAI's tokenizer's and mean nothing elsewhere. */
    static List<String> inputs(Params p) {
        JsonNode input = p.get("input");
        if (input == null) {
            throw p.unsupported("input", "input is required");
        }
        if (input.isTextual()) {
            return List.of(input.asText());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode i : input) {
            if (!i.isTextual()) {
                throw p.unsupported("input", p.provider() + " embeds text; token arrays are OpenAI's tokenizer's own");
            }
            out.add(i.asText());
        }
        if (out.isEmpty()) {
            throw p.unsupported("input", "input must not be empty");
        }
        return out;
    }

    /** Reads encoding_format so it is not refused: the answer is encoded as asked in {@link #list}. */
    static void encodingFormat(Params p) {
        String f = p.text("encoding_format");
        if (f != null && !f.equals("float") && !f.equals("base64")) {
            throw p.unsupported("encoding_format", "encoding_format is float or base64");
        }
    }

    /**
     * OpenAI's answer. Base64 is float32 little-endian, as OpenAI sends it (and as its Python SDK asks for unless
     * told otherwise).
     */
    static ObjectNode list(List<JsonNode> vectors, long promptTokens, ObjectNode request, String requestedModel) {
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            JsonNode v = vectors.get(i);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(v.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                v.forEach(x -> buf.putFloat(x.floatValue()));
                e.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                e.set("embedding", v);
            }
        }
        out.put("model", requestedModel);
        out.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        return out;
    }

    private static List<JsonNode> vectors(JsonNode arrays) {
        List<JsonNode> out = new ArrayList<>();
        arrays.forEach(out::add);
        return out;
    }

    /** Embedding providers share the chat error mapping: their error bodies have the same shapes. */
    private abstract static class Base implements EmbeddingsTranslator {
        @Override
        public OpenAiError mapError(int status, JsonNode body) {
            return OpenAi.error(status, body);
        }
    }

    // ---- providers ----

    /** Gemini {@code batchEmbedContents}: one request per input. Gemini reports no token counts for embeddings. */
    static final class Gemini extends Base {
        @Override
        public String provider() {
            return GeminiTranslator.AI_STUDIO;
        }

        @Override
        public TranslatedRequest toProvider(ObjectNode request, String model) {
            Params p = new Params(request, provider());
            String m = model.startsWith("models/") ? model.substring("models/".length()) : model;
            Integer dimensions = p.integer("dimensions");
            encodingFormat(p);
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode requests = body.putArray("requests");
            for (String text : inputs(p)) {
                ObjectNode r = requests.addObject().put("model", "models/" + m);
                r.putObject("content").putArray("parts").addObject().put("text", text);
                if (dimensions != null) {
                    r.put("outputDimensionality", dimensions);
                }
            }
            p.rejectUnread();
            return new TranslatedRequest("/v1beta/models/" + m + ":batchEmbedContents", "POST",
                    AnthropicTranslator.bytes(body), Map.of(), false);
        }

        @Override
        public ObjectNode fromProvider(JsonNode r, ObjectNode request, String requestedModel) {
            List<JsonNode> out = new ArrayList<>();
            r.path("embeddings").forEach(e -> out.add(e.path("values")));
            return list(out, 0, request, requestedModel);
        }
    }

    /**
     * Cohere v2 embed. Cohere requires an input_type OpenAI does not have: {@code search_document} unless the request
     * names one in the non-standard {@code input_type} field (search_query for queries).
     */
    static final class Cohere extends Base {
        @Override
        public String provider() {
            return "cohere";
        }

        @Override
        public TranslatedRequest toProvider(ObjectNode request, String model) {
            Params p = new Params(request, provider());
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("model", model);
            ArrayNode texts = body.putArray("texts");
            inputs(p).forEach(texts::add);
            String inputType = p.text("input_type");
            body.put("input_type", inputType != null ? inputType : "search_document");
            body.putArray("embedding_types").add("float");
            Integer dimensions = p.integer("dimensions");
            if (dimensions != null) {
                body.put("output_dimension", dimensions);
            }
            encodingFormat(p);
            p.rejectUnread();
            return new TranslatedRequest("/v2/embed", "POST", AnthropicTranslator.bytes(body), Map.of(), false);
        }

        @Override
        public ObjectNode fromProvider(JsonNode r, ObjectNode request, String requestedModel) {
            return list(vectors(r.path("embeddings").path("float")),
                    r.path("meta").path("billed_units").path("input_tokens").asLong(0), request, requestedModel);
        }
    }

    /**
     * Bedrock InvokeModel for Amazon Titan text embeddings (one text per call) and Cohere embed models. The answer
     * shape tells which model answered.
     */
    static final class Bedrock extends Base {
        @Override
        public String provider() {
            return "aws-bedrock";
        }

        @Override
        public TranslatedRequest toProvider(ObjectNode request, String model) {
            Params p = new Params(request, provider());
            List<String> inputs = inputs(p);
            Integer dimensions = p.integer("dimensions");
            encodingFormat(p);
            ObjectNode body = Json.MAPPER.createObjectNode();
            if (model.contains("amazon.titan-embed-text")) {
                if (inputs.size() != 1) {
                    throw p.unsupported("input", "Titan text embeddings take one text per request; send them one by one");
                }
                body.put("inputText", inputs.get(0));
                if (dimensions != null) {
                    if (!model.contains("-v2")) {
                        throw p.unsupported("dimensions", "only Titan Text Embeddings V2 takes dimensions");
                    }
                    body.put("dimensions", dimensions);
                }
            } else if (model.contains("cohere.embed")) {
                if (dimensions != null) {
                    throw p.unsupported("dimensions", "Cohere embed models on Bedrock have fixed dimensions");
                }
                ArrayNode texts = body.putArray("texts");
                inputs.forEach(texts::add);
                String inputType = p.text("input_type");
                body.put("input_type", inputType != null ? inputType : "search_document");
                body.putArray("embedding_types").add("float");
            } else {
                throw p.unsupported("model", "embeddings on Bedrock are translated for amazon.titan-embed-text-* and"
                        + " cohere.embed-* models");
            }
            p.rejectUnread();
            return new TranslatedRequest(BedrockTranslator.modelPath(model, "invoke"), "POST",
                    AnthropicTranslator.bytes(body), Map.of(), false);
        }

        @Override
        public ObjectNode fromProvider(JsonNode r, ObjectNode request, String requestedModel) {
            if (r.has("embedding")) {
                return list(List.of(r.get("embedding")), r.path("inputTextTokenCount").asLong(0), request,
                        requestedModel);
            }
            JsonNode e = r.path("embeddings");
            // Bedrock reports Cohere's token count only in a response header, which this function does not see
            return list(vectors(e.isArray() ? e : e.path("float")), 0, request, requestedModel);
        }
    }

    /** Workers AI embedding models ({@code @cf/baai/bge-*}): {@code {"text": [...]}} to {@code result.data}. */
    static final class WorkersAi extends Base {
        @Override
        public String provider() {
            return "workers-ai";
        }

        @Override
        public TranslatedRequest toProvider(ObjectNode request, String model) {
            Params p = new Params(request, provider());
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode text = body.putArray("text");
            inputs(p).forEach(text::add);
            encodingFormat(p);
            p.rejectUnread();
            return new TranslatedRequest("/" + (model.startsWith("@") ? model : "@cf/" + model), "POST",
                    AnthropicTranslator.bytes(body), Map.of(), false);
        }

        @Override
        public ObjectNode fromProvider(JsonNode r, ObjectNode request, String requestedModel) {
            JsonNode result = r.has("result") ? r.get("result") : r;
            return list(vectors(result.path("data")), result.path("usage").path("prompt_tokens").asLong(0), request,
                    requestedModel);
        }
    }

    /** OpenAI-compatible embeddings: the request as it is with the model renamed; the answer as it is. */
    static final class PassThrough implements EmbeddingsTranslator {
        static final Map<String, String> PATHS = Map.of(
                "openai", "/embeddings",
                "azure-openai", "/embeddings?api-version=" + PassThroughTranslator.AZURE_API_VERSION,
                "mistral", "/v1/embeddings");

        private final String provider;
        private final String path;

        PassThrough(String provider, String path) {
            this.provider = provider;
            this.path = path;
        }

        @Override
        public String provider() {
            return provider;
        }

        @Override
        public TranslatedRequest toProvider(ObjectNode request, String model) {
            ObjectNode body = request.deepCopy();
            body.put("model", model);
            return new TranslatedRequest(path, "POST", AnthropicTranslator.bytes(body), Map.of(), false);
        }

        @Override
        public ObjectNode fromProvider(JsonNode r, ObjectNode request, String requestedModel) {
            return (ObjectNode) r.deepCopy();
        }

        @Override
        public OpenAiError mapError(int status, JsonNode body) {
            return new PassThroughTranslator("openai").mapError(status, body);
        }
    }
}
