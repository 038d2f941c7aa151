package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;
import io.aigateway.dlp.DlpProfiles;
import io.aigateway.dlpengine.EngineSpec;
import io.aigateway.dlpengine.EngineSpec.ComprehendPii;
import io.aigateway.dlpengine.EngineSpec.Guardrail;
import io.aigateway.dlpengine.EngineSpec.OnError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code dlp.engines}: managed engines that policies name next to profiles.
 * <pre>{@code
 * [{"id": "guard", "type": "bedrock_guardrail", "guardrail_id": "gr1abc2def3", "guardrail_version": "1",
 *   "region": "eu-west-1", "timeout_ms": 1000, "on_error": "allow"},
 *  {"id": "pii", "type": "comprehend_pii", "language_code": "en", "min_score": 0.8,
 *   "entity_types": ["SSN", "EMAIL"], "timeout_ms": 1000, "on_error": "block"}]
 * }</pre>
 * No endpoint and no credentials here: a setting cannot point an engine at another host.
 */
final class DlpEngineSettings {
    static final int MAX_ENGINES = 5;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    // ApplyGuardrail's guardrailIdentifier and guardrailVersion patterns (API reference)
    private static final Pattern GUARDRAIL_ID = Pattern.compile(
            "[a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+");
    private static final Pattern GUARDRAIL_VERSION = Pattern.compile("[1-9][0-9]{0,7}|DRAFT");
    private static final Set<String> COMMON = Set.of("id", "type", "region", "timeout_ms", "on_error");

    private DlpEngineSettings() {
    }

    static List<EngineSpec> fromJson(String field, JsonNode v, DlpProfiles registry) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_ENGINES) {
            throw DlpSettings.bad(field, "must be a list of at most " + MAX_ENGINES + " engines {\"id\", \"type\", ...}");
        }
        List<EngineSpec> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            EngineSpec e = engine(field + "[" + i + "]", v.get(i));
            if (registry.get(e.id()).isPresent()) {
                throw DlpSettings.bad(field + "[" + i + "].id", "'" + e.id() + "' is the name of a profile; an engine "
                        + "needs an id of its own (findings report it where they report a profile)");
            }
            if (!ids.add(e.id())) {
                throw DlpSettings.bad(field + "[" + i + "].id", "'" + e.id() + "' is used by another engine");
            }
            out.add(e);
        }
        return out;
    }

    private static EngineSpec engine(String where, JsonNode e) {
        if (!e.isObject()) {
            throw DlpSettings.bad(where, "must be an object {\"id\", \"type\", ...}");
        }
        String id = DlpSettings.text(where + ".id", e.get("id"));
        if (!ID.matcher(id).matches()) {
            throw DlpSettings.bad(where + ".id",
                    "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        String type = DlpSettings.text(where + ".type", e.get("type"));
        String region = null;
        if (e.hasNonNull("region")) {
            region = DlpSettings.text(where + ".region", e.get("region"));
            if (!REGION.matcher(region).matches()) {
                throw DlpSettings.bad(where + ".region", "must be an AWS region such as us-east-1 (got '" + region
                        + "'); leave it out for the gateway's own region");
            }
        }
        int timeout = EngineSpec.DEFAULT_TIMEOUT_MS;
        if (e.hasNonNull("timeout_ms")) {
            JsonNode t = e.get("timeout_ms");
            if (!t.isIntegralNumber() || t.asLong() < EngineSpec.MIN_TIMEOUT_MS
                    || t.asLong() > EngineSpec.MAX_TIMEOUT_MS) {
                throw DlpSettings.bad(where + ".timeout_ms", "must be a whole number of milliseconds from "
                        + EngineSpec.MIN_TIMEOUT_MS + " to " + EngineSpec.MAX_TIMEOUT_MS);
            }
            timeout = t.asInt();
        }
        OnError onError = DlpSettings.parse(OnError.class, where + ".on_error", e.get("on_error"), OnError.ALLOW);
        switch (type) {
            case Guardrail.TYPE -> {
                DlpSettings.onlyFields(where, e, with(COMMON, "guardrail_id", "guardrail_version"));
                String gid = DlpSettings.text(where + ".guardrail_id", e.get("guardrail_id"));
                if (!GUARDRAIL_ID.matcher(gid).matches()) {
                    throw DlpSettings.bad(where + ".guardrail_id", "must be a guardrail id (lower-case letters and "
                            + "digits) or a guardrail ARN");
                }
                JsonNode ver = e.get("guardrail_version");
                String version = ver != null && ver.isIntegralNumber() ? ver.asText()
                        : DlpSettings.text(where + ".guardrail_version", ver);
                if (!GUARDRAIL_VERSION.matcher(version).matches()) {
                    throw DlpSettings.bad(where + ".guardrail_version", "must be a version number such as \"1\", "
                            + "or \"DRAFT\"");
                }
                return new Guardrail(id, gid, version, region, timeout, onError);
            }
            case ComprehendPii.TYPE -> {
                DlpSettings.onlyFields(where, e, with(COMMON, "language_code", "min_score", "entity_types"));
                String language = "en";
                if (e.hasNonNull("language_code")) {
                    language = DlpSettings.text(where + ".language_code", e.get("language_code"));
                    if (!ComprehendPii.LANGUAGES.contains(language)) {
                        throw DlpSettings.bad(where + ".language_code", "must be one of "
                                + String.join(", ", ComprehendPii.LANGUAGES) + " (the languages DetectPiiEntities "
                                + "supports)");
                    }
                }
                double minScore = ComprehendPii.DEFAULT_MIN_SCORE;
                if (e.hasNonNull("min_score")) {
                    JsonNode s = e.get("min_score");
                    if (!s.isNumber() || s.asDouble() < 0 || s.asDouble() > 1) {
                        throw DlpSettings.bad(where + ".min_score", "must be a number from 0 to 1");
                    }
                    minScore = s.asDouble();
                }
                Set<String> types = new LinkedHashSet<>();
                JsonNode ts = e.get("entity_types");
                if (ts != null && !ts.isNull()) {
                    if (!ts.isArray()) {
                        throw DlpSettings.bad(where + ".entity_types", "must be a list of Comprehend PII entity types");
                    }
                    for (int k = 0; k < ts.size(); k++) {
                        String t = DlpSettings.text(where + ".entity_types[" + k + "]", ts.get(k));
                        if (!ComprehendPii.ENTITY_TYPES.contains(t)) {
                            throw DlpSettings.bad(where + ".entity_types[" + k + "]", "'" + t + "' is not a "
                                    + "DetectPiiEntities type; known: " + String.join(", ", ComprehendPii.ENTITY_TYPES));
                        }
                        types.add(t);
                    }
                }
                return new ComprehendPii(id, language, minScore, types, region, timeout, onError);
            }
            default -> throw DlpSettings.bad(where + ".type", "must be " + Guardrail.TYPE + " or "
                    + ComprehendPii.TYPE + " (got '" + type + "')");
        }
    }

    static ObjectNode toJson(EngineSpec e) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", e.id());
        o.put("type", e.type());
        switch (e) {
            case Guardrail g -> {
                o.put("guardrail_id", g.guardrailId());
                o.put("guardrail_version", g.guardrailVersion());
            }
            case ComprehendPii c -> {
                o.put("language_code", c.languageCode());
                o.put("min_score", c.minScore());
                c.entityTypes().stream().sorted().forEach(o.putArray("entity_types")::add);
            }
        }
        if (e.region() != null) {
            o.put("region", e.region());
        }
        o.put("timeout_ms", e.timeoutMs());
        o.put("on_error", e.onError().name().toLowerCase(java.util.Locale.ROOT));
        return o;
    }

    private static Set<String> with(Set<String> common, String... more) {
        Set<String> s = new HashSet<>(common);
        s.addAll(List.of(more));
        return s;
    }
}
