package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Backoff;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.SecretScrubber;
import io.aigateway.core.Json;
import io.aigateway.cost.ModelPrice;
import io.aigateway.plugin.HookSettings;
import io.aigateway.plugin.PluginSettings;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One gateway's settings, with Cloudflare's field names. A gateway never configured runs on the defaults
 * ({@code GATEWAY_DEFAULT_*}); a PUT stores a full or partial document, validated field by field.
 *
 * @param cacheTtl              seconds; 0 turns the cache off (requests can still opt in with cf-aig-cache-key)
 * @param rateLimitingLimit     requests per interval for the whole gateway; 0 turns it off
 * @param rateLimitingRules     extra limits scoped per client (IP, a header, a metadata key)
 * @param rateLimitingFailClosed refuse requests (429) when the counter store fails, instead of letting them through
 * @param retryDelay            milliseconds between attempts
 * @param requestTimeout        milliseconds to the provider's first byte
 * @param priceOverrides        per model id, USD per million tokens; beat the shipped price table
 * @param cacheKeyShared        {@code cf-aig-cache-key} entries are shared by every caller of the gateway, whatever
 *                              its provider key or provider (default false: scoped to both)
 * @param corsOrigins           browser origins allowed to call the gateway ({@code "*"} for any); empty: no CORS
 * @param plugins               Java plug-ins run for this gateway, in order (see io.aigateway.plugin); a PUT checks
 *                              their names and configs against the loaded plug-ins (AdminApi), the stored form is
 *                              read by shape only
 * @param modelAliases          {@code model_aliases}: names the OpenAI-compatible endpoint accepts as {@code model},
 *                              each standing for a {@code provider/model} or {@code dynamic/route}
 * @param hooks                 HTTP hooks called for this gateway's requests and answers
 * @param governance            spend and token limits, and provider-key policy ({@link Governance})
 * @param dlp                   data protection policies ({@link DlpSettings}); off by default
 * @param logRedaction          what is masked in a request's record before it leaves the process
 */
public record GatewaySettings(
        String id,
        int cacheTtl,
        boolean collectLogs,
        int rateLimitingLimit,
        int rateLimitingInterval,
        RateLimitTechnique rateLimitingTechnique,
        List<RateLimitRule> rateLimitingRules,
        boolean rateLimitingFailClosed,
        boolean authentication,
        int retryMaxAttempts,
        int retryDelay,
        Backoff retryBackoff,
        int logRetentionDays,
        int requestTimeout,
        Map<String, ModelPrice> priceOverrides,
        long createdAt,
        long modifiedAt,
        boolean cacheKeyShared,
        List<String> corsOrigins,
        List<PluginSettings> plugins,
        List<HookSettings> hooks,
        Map<String, String> modelAliases,
        Governance governance,
        DlpSettings dlp,
        LogRedaction logRedaction) {

    public static final int MIN_CACHE_TTL = 60;
    public static final int MAX_CACHE_TTL = 30 * 86_400;

    /** A per-client limit: each distinct value of the scope gets its own counter. */
    public record RateLimitRule(RuleScope scope, int limit, int interval, RateLimitTechnique technique) {
        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("scope", scope.label());
            o.put("limit", limit);
            o.put("interval", interval);
            o.put("technique", technique.label());
            return o;
        }
    }

    /** Settings of a gateway nobody configured: the process defaults, under that id. */
    public static GatewaySettings defaults(String id, Map<String, String> env) {
        return new GatewaySettings(id,
                envInt(env, "GATEWAY_DEFAULT_CACHE_TTL", 0),
                !"false".equalsIgnoreCase(env.getOrDefault("GATEWAY_DEFAULT_COLLECT_LOGS", "true")),
                envInt(env, "GATEWAY_DEFAULT_RATE_LIMIT", 0),
                envInt(env, "GATEWAY_DEFAULT_RATE_LIMIT_INTERVAL", 60),
                technique("GATEWAY_DEFAULT_RATE_LIMIT_TECHNIQUE",
                        env.getOrDefault("GATEWAY_DEFAULT_RATE_LIMIT_TECHNIQUE", "fixed")),
                List.of(),
                "true".equalsIgnoreCase(env.getOrDefault("GATEWAY_DEFAULT_RATE_LIMIT_FAIL_CLOSED", "false")),
                "true".equalsIgnoreCase(env.getOrDefault("GATEWAY_DEFAULT_AUTHENTICATION", "false")),
                envInt(env, "GATEWAY_DEFAULT_RETRY_MAX_ATTEMPTS", 1),
                envInt(env, "GATEWAY_DEFAULT_RETRY_DELAY_MS", 500),
                backoff("GATEWAY_DEFAULT_RETRY_BACKOFF", env.getOrDefault("GATEWAY_DEFAULT_RETRY_BACKOFF", "exponential")),
                envInt(env, "GATEWAY_DEFAULT_LOG_RETENTION_DAYS", 30),
                envInt(env, "GATEWAY_DEFAULT_REQUEST_TIMEOUT_MS", 120_000),
                Map.of(),
                0, 0, false, List.of(), List.of(), List.of(), Map.of(), Governance.NONE, DlpSettings.OFF,
                LogRedaction.parse(env.getOrDefault("GATEWAY_DEFAULT_LOG_REDACTION", "off")).orElseThrow(() ->
                        new IllegalArgumentException("GATEWAY_DEFAULT_LOG_REDACTION must be off, detectors or bodies"))
        ).validated();
    }

    /**
     * True for settings read from the store (stored settings always carry their creation time, set by the first PUT);
     * false for the defaults a gateway nobody configured runs on. Metrics give only configured gateways a series.
     */
    public boolean configured() {
        return createdAt > 0;
    }

    public GatewaySettings withId(String newId) {
        return new GatewaySettings(newId, cacheTtl, collectLogs, rateLimitingLimit, rateLimitingInterval,
                rateLimitingTechnique, rateLimitingRules, rateLimitingFailClosed, authentication, retryMaxAttempts,
                retryDelay, retryBackoff, logRetentionDays, requestTimeout, priceOverrides, createdAt, modifiedAt,
                cacheKeyShared, corsOrigins, plugins, hooks, modelAliases, governance, dlp, logRedaction);
    }

    /** Applies a PUT body on top of these settings; unknown or invalid fields are a 400 naming the field. */
    public GatewaySettings merge(JsonNode patch, long now) {
        if (patch == null || !patch.isObject()) {
            throw bad("body", "must be a JSON object of settings, for example {\"cache_ttl\": 300}");
        }
        int cacheTtl = this.cacheTtl;
        boolean collectLogs = this.collectLogs;
        int rlLimit = rateLimitingLimit;
        int rlInterval = rateLimitingInterval;
        RateLimitTechnique rlTechnique = rateLimitingTechnique;
        List<RateLimitRule> rules = rateLimitingRules;
        boolean failClosed = rateLimitingFailClosed;
        boolean auth = authentication;
        int attempts = retryMaxAttempts;
        int delay = retryDelay;
        Backoff backoff = retryBackoff;
        int retention = logRetentionDays;
        int timeout = requestTimeout;
        Map<String, ModelPrice> prices = priceOverrides;
        boolean keyShared = cacheKeyShared;
        List<String> origins = corsOrigins;
        List<PluginSettings> pluginList = plugins;
        List<HookSettings> hookList = hooks;
        Map<String, String> aliases = modelAliases;
        Governance gov = governance;
        DlpSettings dlpSettings = dlp;
        LogRedaction redaction = logRedaction;
        Iterator<Map.Entry<String, JsonNode>> fields = patch.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "id", "created_at", "modified_at" -> { }
                case "cache_ttl" -> cacheTtl = integer(f.getKey(), v);
                case "collect_logs" -> collectLogs = bool(f.getKey(), v);
                case "rate_limiting_limit" -> rlLimit = integer(f.getKey(), v);
                case "rate_limiting_interval" -> rlInterval = integer(f.getKey(), v);
                case "rate_limiting_technique" -> rlTechnique = technique(f.getKey(), text(f.getKey(), v));
                case "rate_limiting_rules" -> rules = rules(v);
                case "rate_limiting_fail_closed" -> failClosed = bool(f.getKey(), v);
                case "authentication" -> auth = bool(f.getKey(), v);
                case "retry_max_attempts" -> attempts = integer(f.getKey(), v);
                case "retry_delay" -> delay = integer(f.getKey(), v);
                case "retry_backoff" -> backoff = backoff(f.getKey(), text(f.getKey(), v));
                case "log_retention_days" -> retention = integer(f.getKey(), v);
                case "request_timeout" -> timeout = integer(f.getKey(), v);
                case "price_overrides" -> prices = ModelPrice.overridesFromJson(v);
                case "cache_key_shared" -> keyShared = bool(f.getKey(), v);
                case "cors_origins" -> origins = origins(f.getKey(), v);
                case "plugins" -> pluginList = PluginSettings.listFromStored(v);
                case "hooks" -> hookList = keepMaskedValues(HookSettings.listFromJson(v), hooks);
                case "model_aliases" -> aliases = aliases(f.getKey(), v);
                case "dlp" -> dlpSettings = DlpSettings.fromJson(v);
                case "log_redaction" -> redaction = LogRedaction.parse(v.isTextual() ? v.asText() : null)
                        .orElseThrow(() -> bad("log_redaction", "must be off, detectors or bodies"));
                default -> {
                    if (!Governance.owns(f.getKey())) {
                        throw bad(f.getKey(), "is not a gateway setting");
                    }
                    gov = gov.with(f.getKey(), v);
                }
            }
        }
        return new GatewaySettings(id, cacheTtl, collectLogs, rlLimit, rlInterval, rlTechnique, rules, failClosed, auth,
                attempts, delay, backoff, retention, timeout, prices, createdAt == 0 ? now : createdAt, now, keyShared,
                origins, pluginList, hookList, aliases, gov, dlpSettings, redaction)
                .validated();
    }

    /** The same settings with another {@link Governance} (the admin API bumps the provider-key version). */
    public GatewaySettings withGovernance(Governance newGovernance) {
        return new GatewaySettings(id, cacheTtl, collectLogs, rateLimitingLimit, rateLimitingInterval,
                rateLimitingTechnique, rateLimitingRules, rateLimitingFailClosed, authentication, retryMaxAttempts,
                retryDelay, retryBackoff, logRetentionDays, requestTimeout, priceOverrides, createdAt, modifiedAt,
                cacheKeyShared, corsOrigins, plugins, hooks, modelAliases, newGovernance, dlp, logRedaction);
    }

    public GatewaySettings validated() {
        if (governance.bedrockFunctionRole() && !authentication) {
            throw bad("bedrock_credentials", "can be function_role only with authentication: true (else anyone who "
                    + "reaches the gateway could call Bedrock as the gateway); turn authentication on in the same PUT");
        }
        if (cacheTtl != 0 && (cacheTtl < MIN_CACHE_TTL || cacheTtl > MAX_CACHE_TTL)) {
            throw bad("cache_ttl", "must be 0 (off) or seconds from " + MIN_CACHE_TTL + " to " + MAX_CACHE_TTL);
        }
        if (rateLimitingLimit < 0 || rateLimitingLimit > 1_000_000_000) {
            throw bad("rate_limiting_limit", "must be 0 (off) or a positive number of requests");
        }
        if (rateLimitingInterval < 1 || rateLimitingInterval > 86_400) {
            throw bad("rate_limiting_interval", "must be seconds from 1 to 86400");
        }
        if (retryMaxAttempts < 1 || retryMaxAttempts > 5) {
            throw bad("retry_max_attempts", "must be from 1 to 5");
        }
        if (retryDelay < 0 || retryDelay > 5_000) {
            throw bad("retry_delay", "must be milliseconds from 0 to 5000");
        }
        if (logRetentionDays < 1 || logRetentionDays > 3650) {
            throw bad("log_retention_days", "must be days from 1 to 3650");
        }
        if (requestTimeout < 1 || requestTimeout > 900_000) {
            throw bad("request_timeout", "must be milliseconds from 1 to 900000");
        }
        return this;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", id);
        o.put("cache_ttl", cacheTtl);
        o.put("collect_logs", collectLogs);
        o.put("rate_limiting_limit", rateLimitingLimit);
        o.put("rate_limiting_interval", rateLimitingInterval);
        o.put("rate_limiting_technique", rateLimitingTechnique.label());
        ArrayNode rules = o.putArray("rate_limiting_rules");
        rateLimitingRules.forEach(r -> rules.add(r.toJson()));
        o.put("rate_limiting_fail_closed", rateLimitingFailClosed);
        o.put("authentication", authentication);
        o.put("retry_max_attempts", retryMaxAttempts);
        o.put("retry_delay", retryDelay);
        o.put("retry_backoff", retryBackoff.label());
        o.put("log_retention_days", logRetentionDays);
        o.put("request_timeout", requestTimeout);
        o.set("price_overrides", ModelPrice.overridesToJson(priceOverrides));
        o.put("cache_key_shared", cacheKeyShared);
        corsOrigins.forEach(o.putArray("cors_origins")::add);
        o.set("plugins", PluginSettings.toJson(plugins));
        o.set("hooks", HookSettings.toJson(hooks));
        ObjectNode aliasNode = o.putObject("model_aliases");
        new java.util.TreeMap<>(modelAliases).forEach(aliasNode::put);
        governance.writeTo(o);
        o.set("dlp", dlp.toJson());
        o.put("log_redaction", logRedaction.label());
        if (createdAt > 0) {
            o.put("created_at", java.time.Instant.ofEpochMilli(createdAt).toString());
            o.put("modified_at", java.time.Instant.ofEpochMilli(modifiedAt).toString());
        }
        return o;
    }

    /** For the admin API's answers: as {@link #toJson()}, with hook header values (their credentials) masked. */
    public ObjectNode toPublicJson() {
        ObjectNode o = toJson();
        ArrayNode masked = o.putArray("hooks");
        hooks.forEach(h -> masked.add(h.toPublicJson()));
        return o;
    }

    /**
     * A PUT that sends back what a GET showed carries masked hook header values: those keep the stored value of the
     * same hook id and header. A masked value with nothing stored behind it is a 400.
     */
    private static List<HookSettings> keepMaskedValues(List<HookSettings> incoming, List<HookSettings> stored) {
        List<HookSettings> out = new ArrayList<>(incoming.size());
        for (int i = 0; i < incoming.size(); i++) {
            HookSettings h = incoming.get(i);
            if (!h.headers().containsValue(io.aigateway.core.SecretScrubber.MASK)) {
                out.add(h);
                continue;
            }
            HookSettings before = stored.stream().filter(s -> s.id().equals(h.id())).findFirst().orElse(null);
            java.util.Map<String, String> headers = new java.util.LinkedHashMap<>(h.headers());
            for (java.util.Map.Entry<String, String> e : h.headers().entrySet()) {
                if (io.aigateway.core.SecretScrubber.MASK.equals(e.getValue())) {
                    String kept = before == null ? null : before.headers().get(e.getKey());
                    if (kept == null) {
                        throw bad("hooks[" + i + "].headers." + e.getKey(), "is masked, and this hook has no stored "
                                + "value for it: send the header's value");
                    }
                    headers.put(e.getKey(), kept);
                }
            }
            out.add(new HookSettings(h.id(), h.url(), h.on(), h.timeoutMs(), h.fail(), headers, h.mode()));
        }
        return List.copyOf(out);
    }

    /** Reads what {@link #toJson()} wrote (the stored form). */
    public static GatewaySettings fromJson(String id, JsonNode stored, Map<String, String> env) {
        GatewaySettings base = defaults(id, env);
        ObjectNode copy = ((ObjectNode) stored).deepCopy();
        long created = copy.has("created_at") ? java.time.Instant.parse(copy.get("created_at").asText()).toEpochMilli() : 0;
        long modified = copy.has("modified_at") ? java.time.Instant.parse(copy.get("modified_at").asText()).toEpochMilli() : 0;
        GatewaySettings merged = base.merge(copy, modified);
        return new GatewaySettings(id, merged.cacheTtl, merged.collectLogs, merged.rateLimitingLimit,
                merged.rateLimitingInterval, merged.rateLimitingTechnique, merged.rateLimitingRules,
                merged.rateLimitingFailClosed, merged.authentication, merged.retryMaxAttempts, merged.retryDelay,
                merged.retryBackoff, merged.logRetentionDays, merged.requestTimeout, merged.priceOverrides, created,
                modified, merged.cacheKeyShared, merged.corsOrigins, merged.plugins, merged.hooks, merged.modelAliases,
                merged.governance.withProviderKeysVersion(copy.path("provider_keys_version").asLong(0)),
                merged.dlp, merged.logRedaction);
    }

    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}");

    /**
     * {@code {"fast": "groq/llama-3.1-8b-instant", "smart": "dynamic/support"}}: each name (no '/') stands for a
     * {@code provider/model} or {@code dynamic/route}; an alias never names another alias.
     */
    private static Map<String, String> aliases(String field, JsonNode v) {
        if (!v.isObject() || v.size() > 100) {
            throw aliasError(field, "must be an object of at most 100 names, such as {\"fast\": \"groq/llama-3.1-8b-instant\"}");
        }
        Map<String, String> out = new java.util.HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String at = field + "." + name;
            if (!ALIAS.matcher(name).matches()) {
                throw aliasError(at, "an alias is 1-100 letters, digits, '.', '_', ':', '@' or '-' (no '/': names with"
                        + " a slash are provider/model)");
            }
            String target = e.getValue().isTextual() ? e.getValue().asText() : "";
            int slash = target.indexOf('/');
            if (slash <= 0 || slash == target.length() - 1) {
                throw aliasError(at, "must be \"{provider}/{model}\" or \"dynamic/{route}\", got " + e.getValue());
            }
            out.put(name, target);
        }
        return Map.copyOf(out);
    }

    private static GatewayException aliasError(String field, String what) {
        return new GatewayException(ErrorCode.ROUTE_INVALID, "Invalid setting '" + field + "': " + what + ".");
    }

    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?");

    /** {@code ["https://app.example.com", "http://localhost:3000"]} or {@code ["*"]}: scheme, host and port only. */
    private static List<String> origins(String field, JsonNode v) {
        if (!v.isArray() || v.size() > 50) {
            throw bad(field, "must be a list of at most 50 origins such as \"https://app.example.com\", or [\"*\"]");
        }
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode o : v) {
            String origin = o.isTextual() ? o.asText() : "";
            if (!"*".equals(origin) && !ORIGIN.matcher(origin).matches()) {
                throw bad(field, "holds '" + o + "'; an origin is scheme://host[:port] with no path, or \"*\"");
            }
            out.add(origin);
        }
        return List.copyOf(out);
    }

    private static RateLimitTechnique technique(String field, String value) {
        return RateLimitTechnique.parse(value).orElseThrow(() -> bad(field, "must be fixed or sliding"));
    }

    private static Backoff backoff(String field, String value) {
        return Backoff.parse(value).orElseThrow(() -> bad(field, "must be constant, linear or exponential"));
    }

    private static List<RateLimitRule> rules(JsonNode v) {
        if (!v.isArray() || v.size() > 10) {
            throw bad("rate_limiting_rules", "must be an array of at most 10 rules");
        }
        List<RateLimitRule> rules = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode r = v.get(i);
            String field = "rate_limiting_rules[" + i + "]";
            if (!r.isObject()) {
                throw bad(field, "must be an object {\"scope\", \"limit\", \"interval\", \"technique\"}");
            }
            RuleScope scope = RuleScope.parse(r.path("scope").isTextual() ? r.path("scope").asText() : null)
                    .orElseThrow(() -> bad(field + ".scope", "must be ip, header:<name> or metadata:<key>"));
            int limit = integer(field + ".limit", r.path("limit"));
            if (limit < 1) {
                throw bad(field + ".limit", "must be a positive number of requests");
            }
            int interval = integer(field + ".interval", r.path("interval"));
            if (interval < 1 || interval > 86_400) {
                throw bad(field + ".interval", "must be seconds from 1 to 86400");
            }
            JsonNode techniqueNode = r.path("technique");
            RateLimitTechnique technique = techniqueNode.isMissingNode() || techniqueNode.isNull()
                    ? RateLimitTechnique.FIXED
                    : technique(field + ".technique", text(field + ".technique", techniqueNode));
            rules.add(new RateLimitRule(scope, limit, interval, technique));
        }
        return List.copyOf(rules);
    }

    /**
     * A JSON number with a whole value that fits an int: 5 and 5.0 are 5; "5" (a string), 1.9, 99999999999 and
     * missing values are refused, never coerced.
     */
    private static int integer(String field, JsonNode v) {
        if (v == null || !v.isNumber()) {
            throw bad(field, "must be a whole number (a JSON number, not a string)");
        }
        if (v.isIntegralNumber()) {
            if (!v.canConvertToInt()) {
                throw bad(field, "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
            }
            return v.intValue();
        }
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            throw bad(field, "must be a whole number, got " + v);
        }
        java.math.BigDecimal d = v.decimalValue();
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw bad(field, "must be a whole number, got " + v);
        }
        try {
            return d.intValueExact();
        } catch (ArithmeticException e) {
            throw bad(field, "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
        }
    }

    private static boolean bool(String field, JsonNode v) {
        if (!v.isBoolean()) {
            throw bad(field, "must be true or false");
        }
        return v.asBoolean();
    }

    private static String text(String field, JsonNode v) {
        if (!v.isTextual()) {
            throw bad(field, "must be a string");
        }
        return v.asText();
    }

    private static int envInt(Map<String, String> env, String name, int fallback) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got " + raw);
        }
    }

    private static GatewayException bad(String field, String what) {
        return new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting '" + field + "': " + what + ".");
    }
}
