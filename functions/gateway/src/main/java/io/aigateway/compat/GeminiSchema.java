package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (as OpenAI takes for tools and response_format) as Gemini's Schema object, an OpenAPI 3.0 subset.
 *
 * <ul>
 *   <li>Dropped, because they only annotate: {@code $schema}, {@code $id}, {@code $comment}, {@code title}, and
 *       {@code strict}.</li>
 *   <li>Dropped: {@code additionalProperties}. OpenAI's strict mode requires {@code false} on every object; Gemini
 *       rejects the keyword, and generates only the properties the schema lists anyway.</li>
 *   <li>Rewritten: {@code "type": ["string", "null"]} to {@code type} plus {@code nullable}; {@code const} to a
 *       one-value {@code enum}; local {@code $ref}s into {@code $defs}/{@code definitions} inlined.</li>
 *   <li>Refused (400): recursive {@code $ref}s, and {@code allOf}, {@code oneOf}, {@code not},
 *       {@code patternProperties}, {@code if}/{@code then}/{@code else}, which change what is valid and have no
 *       Gemini equivalent.</li>
 * </ul>
 */
final class GeminiSchema {
    private static final Set<String> DROPPED = Set.of("$schema", "$id", "$comment", "title", "strict",
            "additionalProperties", "$defs", "definitions");
    private static final Set<String> REFUSED = Set.of("allOf", "oneOf", "not", "patternProperties", "if", "then",
            "else", "dependentSchemas", "unevaluatedProperties");
    private static final int MAX_DEPTH = 32;

    private GeminiSchema() {
    }

    static ObjectNode convert(Params p, ObjectNode schema, String param) {
        return convert(p, schema, schema, param, 0);
    }

    private static ObjectNode convert(Params p, JsonNode root, JsonNode node, String param, int depth) {
        if (depth > MAX_DEPTH) {
            throw p.unsupported(param, "the schema nests too deep, or its $ref is recursive; Gemini's schema has no"
                    + " references");
        }
        if (node.has("$ref")) {
            return convert(p, root, resolve(p, root, node.get("$ref").asText(), param), param, depth + 1);
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            JsonNode v = f.getValue();
            if (DROPPED.contains(key)) {
                continue;
            }
            if (REFUSED.contains(key)) {
                throw p.unsupported(param, "Gemini's response and tool schemas have no '" + key + "'");
            }
            switch (key) {
                case "type" -> type(p, out, v, param);
                case "const" -> out.putArray("enum").add(v);
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    v.fields().forEachRemaining(e -> props.set(e.getKey(), convert(p, root, e.getValue(), param, depth + 1)));
                }
                case "items" -> out.set("items", convert(p, root, v, param, depth + 1));
                case "anyOf" -> {
                    ArrayNode any = out.putArray("anyOf");
                    for (JsonNode alt : v) {
                        any.add(convert(p, root, alt, param, depth + 1));
                    }
                }
                default -> out.set(key, v);
            }
        }
        return out;
    }

    private static void type(Params p, ObjectNode out, JsonNode v, String param) {
        if (v.isTextual()) {
            out.put("type", v.asText());
            return;
        }
        String type = null;
        for (JsonNode t : v) {
            if ("null".equals(t.asText())) {
                out.put("nullable", true);
            } else if (type == null) {
                type = t.asText();
            } else {
                throw p.unsupported(param, "Gemini's schema takes one type (and null), not " + v);
            }
        }
        if (type != null) {
            out.put("type", type);
        }
    }

    private static JsonNode resolve(Params p, JsonNode root, String ref, String param) {
        if (!ref.startsWith("#/")) {
            throw p.unsupported(param, "only local $refs (#/$defs/...) can be inlined for Gemini, not " + ref);
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw p.unsupported(param, "$ref " + ref + " points nowhere");
        }
        return target;
    }
}
