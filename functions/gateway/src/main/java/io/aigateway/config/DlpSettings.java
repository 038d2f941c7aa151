package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import io.aigateway.dlp.CustomProfile;
import io.aigateway.dlp.DlpDefinitionException;
import io.aigateway.dlp.DlpProfiles;
import io.aigateway.dlp.ProfileDefinition;
import io.aigateway.dlp.Scanner;
import io.aigateway.dlpengine.EngineSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Setting {@code dlp}: data protection policies, in Cloudflare's shape plus REDACT and custom profiles.
 * <pre>{@code
 * {"enabled": true,
 *  "profiles": [{"name": "project_names", "word_lists": [{"name": "codename", "words": ["Bluebird"]}],
 *                "patterns": [{"name": "order_ref", "regex": "ORD-\\d{8}", "validator": null}]}],
 *  "policies": [{"id": "no-cards", "profiles": ["financial"], "action": "BLOCK", "check": "BOTH", "enabled": true},
 *               {"id": "mask-contact", "profiles": ["contact"], "action": "REDACT", "check": "REQUEST",
 *                "restore": true},
 *               {"id": "guarded", "engines": ["guard"], "action": "BLOCK", "check": "BOTH"}],
 *  "engines": [{"id": "guard", "type": "bedrock_guardrail", "guardrail_id": "gr1abc", "guardrail_version": "1"},
 *              {"id": "pii", "type": "comprehend_pii", "language_code": "en", "min_score": 0.8}]}
 * }</pre>
 * Custom profiles are compiled once, when the setting is read (RE2/J: linear time), so a request never compiles
 * a pattern. Managed engines ({@link DlpEngineSettings}) are named by policies next to profiles. Immutable.
 */
public final class DlpSettings {
    /** What a policy does when one of its profiles finds something; in order of severity. */
    public enum Action { FLAG, REDACT, BLOCK }

    /** Which side a policy checks. */
    public enum Check {
        REQUEST, RESPONSE, BOTH;

        public boolean covers(boolean request) {
            return this == BOTH || (this == REQUEST) == request;
        }
    }

    /**
     * @param restore REDACT only: put the original values back where the answer repeats a placeholder (default
     *                true); false leaves the placeholders in the answer the client sees
     */
    public record Policy(String id, List<String> profiles, List<String> engines, Action action, Check check,
                         boolean enabled, boolean restore) {
        public Policy {
            profiles = List.copyOf(profiles);
            engines = List.copyOf(engines);
        }

        /** Whether this policy names {@code source}: one of its profiles or the id of one of its engines. */
        public boolean covers(String source) {
            return profiles.contains(source) || engines.contains(source);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", id);
            profiles.forEach(o.putArray("profiles")::add);
            if (!engines.isEmpty()) {
                engines.forEach(o.putArray("engines")::add);
            }
            o.put("action", action.name());
            o.put("check", check.name());
            o.put("enabled", enabled);
            if (action == Action.REDACT) {
                o.put("restore", restore);
            }
            return o;
        }
    }

    public static final int MAX_POLICIES = 50;
    public static final int MAX_PROFILES = 20;
    private static final Pattern POLICY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public static final DlpSettings OFF = new DlpSettings(false, List.of(), List.of(), List.of(),
            DlpProfiles.builtIns());

    private final boolean enabled;
    private final List<ProfileDefinition> profiles;
    private final List<Policy> policies;
    private final List<EngineSpec> engines;
    private final DlpProfiles registry;
    private final Scanner scanner;

    private DlpSettings(boolean enabled, List<ProfileDefinition> profiles, List<Policy> policies,
                        List<EngineSpec> engines, DlpProfiles registry) {
        this.enabled = enabled;
        this.profiles = List.copyOf(profiles);
        this.policies = List.copyOf(policies);
        this.engines = List.copyOf(engines);
        this.registry = registry;
        this.scanner = registry.scanner();
    }

    /** The managed engines the setting defines (a policy uses one by naming its id). */
    public List<EngineSpec> engines() {
        return engines;
    }

    /** The engines {@code policies} name, each once, in the order they are defined. */
    public List<EngineSpec> enginesOf(List<Policy> policies) {
        if (engines.isEmpty()) {
            return List.of();
        }
        List<EngineSpec> out = new ArrayList<>();
        for (EngineSpec e : engines) {
            for (Policy p : policies) {
                if (p.engines().contains(e.id())) {
                    out.add(e);
                    break;
                }
            }
        }
        return out;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The custom profile definitions, as given. */
    public List<ProfileDefinition> profiles() {
        return profiles;
    }

    public List<Policy> policies() {
        return policies;
    }

    /** Built-in and custom profiles. */
    public DlpProfiles registry() {
        return registry;
    }

    /** A scanner over {@link #registry()}: thread-safe, shared by every request of the gateway. */
    public Scanner scanner() {
        return scanner;
    }

    /** The enabled policies that check this side, in order; empty when DLP is off. */
    public List<Policy> active(boolean request) {
        if (!enabled) {
            return List.of();
        }
        List<Policy> out = new ArrayList<>(policies.size());
        for (Policy p : policies) {
            if (p.enabled() && p.check().covers(request)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Reads the {@code dlp} setting; every problem is a 400 naming the field. */
    public static DlpSettings fromJson(JsonNode v) {
        String field = "dlp";
        if (v == null || v.isNull()) {
            return OFF;
        }
        if (!v.isObject()) {
            throw bad(field, "must be an object {\"enabled\", \"profiles\", \"policies\", \"engines\"}");
        }
        onlyFields(field, v, Set.of("enabled", "profiles", "policies", "engines"));
        boolean enabled = true;
        if (v.has("enabled")) {
            enabled = bool(field + ".enabled", v.get("enabled"));
        }
        DlpProfiles registry = DlpProfiles.builtIns();
        List<ProfileDefinition> definitions = new ArrayList<>();
        JsonNode ps = v.path("profiles");
        if (!ps.isMissingNode() && !ps.isNull()) {
            if (!ps.isArray() || ps.size() > MAX_PROFILES) {
                throw bad(field + ".profiles", "must be a list of at most " + MAX_PROFILES + " custom profiles");
            }
            for (int i = 0; i < ps.size(); i++) {
                String where = field + ".profiles[" + i + "]";
                ProfileDefinition def = definition(where, ps.get(i));
                CustomProfile compiled;
                try {
                    compiled = DlpProfiles.compile(def);
                } catch (DlpDefinitionException e) {
                    throw bad(where, String.join("; ", e.problems()));
                }
                if (registry.get(compiled.name()).isPresent()) {
                    throw bad(where + ".name", "'" + compiled.name() + "' is defined twice");
                }
                registry = registry.with(compiled);
                definitions.add(def);
            }
        }
        List<EngineSpec> engines = DlpEngineSettings.fromJson(field + ".engines", v.path("engines"), registry);
        List<Policy> policies = new ArrayList<>();
        JsonNode pol = v.path("policies");
        if (!pol.isMissingNode() && !pol.isNull()) {
            if (!pol.isArray() || pol.size() > MAX_POLICIES) {
                throw bad(field + ".policies", "must be a list of at most " + MAX_POLICIES + " policies");
            }
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < pol.size(); i++) {
                Policy p = policy(field + ".policies[" + i + "]", pol.get(i), registry, engines);
                if (!ids.add(p.id())) {
                    throw bad(field + ".policies[" + i + "].id", "'" + p.id() + "' is used by another policy");
                }
                policies.add(p);
            }
        }
        return new DlpSettings(enabled, definitions, policies, engines, registry);
    }

    private static Policy policy(String where, JsonNode p, DlpProfiles registry, List<EngineSpec> engines) {
        if (!p.isObject()) {
            throw bad(where, "must be an object {\"id\", \"profiles\", \"engines\", \"action\", \"check\", "
                    + "\"enabled\"}");
        }
        onlyFields(where, p, Set.of("id", "profiles", "engines", "action", "check", "enabled", "restore"));
        String id = text(where + ".id", p.get("id"));
        if (!POLICY_ID.matcher(id).matches()) {
            throw bad(where + ".id", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        JsonNode names = p.get("profiles");
        JsonNode engineIds = p.get("engines");
        boolean hasEngines = engineIds != null && engineIds.isArray() && !engineIds.isEmpty();
        if (engineIds != null && !engineIds.isNull() && !engineIds.isArray()) {
            throw bad(where + ".engines", "must be a list of engine ids (from dlp.engines)");
        }
        if (hasEngines && (names == null || names.isNull())) {
            names = Json.MAPPER.createArrayNode();
        }
        if (names == null || !names.isArray() || (names.isEmpty() && !hasEngines)) {
            throw bad(where + ".profiles", "must name at least one profile (built-in: "
                    + String.join(", ", DlpProfiles.BUILT_IN.stream().sorted().toList())
                    + ", or a custom one), or the policy at least one engine");
        }
        Set<String> profiles = new LinkedHashSet<>();
        for (int k = 0; k < names.size(); k++) {
            String name = text(where + ".profiles[" + k + "]", names.get(k));
            if (registry.get(name).isEmpty()) {
                throw bad(where + ".profiles[" + k + "]", "'" + name + "' is not a profile; known: "
                        + String.join(", ", registry.names()));
            }
            profiles.add(name);
        }
        Set<String> used = new LinkedHashSet<>();
        Action action = parse(Action.class, where + ".action", p.get("action"), null);
        for (int k = 0; hasEngines && k < engineIds.size(); k++) {
            String at = where + ".engines[" + k + "]";
            String engineId = text(at, engineIds.get(k));
            EngineSpec engine = engines.stream().filter(e -> e.id().equals(engineId)).findFirst().orElseThrow(() ->
                    bad(at, "'" + engineId + "' is not an engine of dlp.engines" + (engines.isEmpty() ? " (none defined)"
                            : "; known: " + String.join(", ", engines.stream().map(EngineSpec::id).toList()))));
            if (action == Action.REDACT && !engine.placesFindings()) {
                throw bad(at, "'" + engineId + "' (" + engine.type() + ") reports what it "
                        + "found without positions, so a REDACT policy cannot mask it: use FLAG or BLOCK (or let "
                        + "the guardrail anonymize in its own configuration)");
            }
            used.add(engineId);
        }
        Check check = parse(Check.class, where + ".check", p.get("check"), Check.BOTH);
        boolean enabled = !p.has("enabled") || bool(where + ".enabled", p.get("enabled"));
        boolean restore = !p.has("restore") || bool(where + ".restore", p.get("restore"));
        if (p.has("restore") && action != Action.REDACT) {
            throw bad(where + ".restore", "applies to REDACT policies only");
        }
        return new Policy(id, List.copyOf(profiles), List.copyOf(used), action, check, enabled, restore);
    }

    private static ProfileDefinition definition(String where, JsonNode d) {
        if (!d.isObject()) {
            throw bad(where, "must be an object {\"name\", \"patterns\", \"word_lists\"}");
        }
        onlyFields(where, d, Set.of("name", "patterns", "word_lists"));
        String name = text(where + ".name", d.get("name"));
        List<ProfileDefinition.PatternRule> patterns = new ArrayList<>();
        JsonNode ps = d.path("patterns");
        if (!ps.isMissingNode() && !ps.isNull()) {
            if (!ps.isArray()) {
                throw bad(where + ".patterns", "must be a list of {\"name\", \"regex\", \"validator\"}");
            }
            for (int i = 0; i < ps.size(); i++) {
                String at = where + ".patterns[" + i + "]";
                JsonNode r = ps.get(i);
                if (!r.isObject()) {
                    throw bad(at, "must be an object {\"name\", \"regex\", \"validator\"}");
                }
                onlyFields(at, r, Set.of("name", "regex", "validator"));
                String validator = r.hasNonNull("validator") ? text(at + ".validator", r.get("validator")) : null;
                patterns.add(new ProfileDefinition.PatternRule(text(at + ".name", r.get("name")),
                        text(at + ".regex", r.get("regex")), validator));
            }
        }
        List<ProfileDefinition.WordList> lists = new ArrayList<>();
        JsonNode ws = d.path("word_lists");
        if (!ws.isMissingNode() && !ws.isNull()) {
            if (!ws.isArray()) {
                throw bad(where + ".word_lists", "must be a list of {\"name\", \"words\"}");
            }
            for (int i = 0; i < ws.size(); i++) {
                String at = where + ".word_lists[" + i + "]";
                JsonNode l = ws.get(i);
                if (!l.isObject()) {
                    throw bad(at, "must be an object {\"name\", \"words\"}");
                }
                onlyFields(at, l, Set.of("name", "words"));
                JsonNode words = l.get("words");
                if (words == null || !words.isArray()) {
                    throw bad(at + ".words", "must be a list of words or phrases");
                }
                List<String> list = new ArrayList<>(words.size());
                for (int k = 0; k < words.size(); k++) {
                    list.add(text(at + ".words[" + k + "]", words.get(k)));
                }
                lists.add(new ProfileDefinition.WordList(text(at + ".name", l.get("name")), list));
            }
        }
        return new ProfileDefinition(name, patterns, lists);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("enabled", enabled);
        ArrayNode ps = o.putArray("profiles");
        for (ProfileDefinition d : profiles) {
            ObjectNode p = ps.addObject();
            p.put("name", d.name());
            ArrayNode patterns = p.putArray("patterns");
            for (ProfileDefinition.PatternRule r : d.patterns()) {
                ObjectNode n = patterns.addObject();
                n.put("name", r.name());
                n.put("regex", r.regex());
                n.put("validator", r.validator());
            }
            ArrayNode lists = p.putArray("word_lists");
            for (ProfileDefinition.WordList l : d.wordLists()) {
                ObjectNode n = lists.addObject();
                n.put("name", l.name());
                l.words().forEach(n.putArray("words")::add);
            }
        }
        ArrayNode pol = o.putArray("policies");
        policies.forEach(p -> pol.add(p.toJson()));
        if (!engines.isEmpty()) {
            ArrayNode es = o.putArray("engines");
            engines.forEach(e -> es.add(DlpEngineSettings.toJson(e)));
        }
        return o;
    }

    static <E extends Enum<E>> E parse(Class<E> type, String field, JsonNode v, E fallback) {
        if ((v == null || v.isNull()) && fallback != null) {
            return fallback;
        }
        String names = String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList());
        if (v == null || !v.isTextual()) {
            throw bad(field, "must be one of " + names);
        }
        try {
            return Enum.valueOf(type, v.asText().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(field, "must be one of " + names + " (got '" + v.asText() + "')");
        }
    }

    static void onlyFields(String field, JsonNode object, Set<String> known) {
        Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
        while (it.hasNext()) {
            String name = it.next().getKey();
            if (!known.contains(name)) {
                throw bad(field + "." + name, "is not a field here (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    static boolean bool(String field, JsonNode v) {
        if (v == null || !v.isBoolean()) {
            throw bad(field, "must be true or false");
        }
        return v.asBoolean();
    }

    static String text(String field, JsonNode v) {
        if (v == null || !v.isTextual()) {
            throw bad(field, "must be a string");
        }
        return v.asText();
    }

    static GatewayException bad(String field, String what) {
        return new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting '" + field + "': " + what + ".");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DlpSettings d && enabled == d.enabled && profiles.equals(d.profiles)
                && policies.equals(d.policies) && engines.equals(d.engines);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, profiles, policies, engines);
    }

    @Override
    public String toString() {
        return "DlpSettings[enabled=" + enabled + ", " + policies.size() + " policies, " + profiles.size()
                + " custom profiles, " + engines.size() + " engines]";
    }
}
