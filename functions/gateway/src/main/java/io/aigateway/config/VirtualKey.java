package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import io.aigateway.core.RequestOptions;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a gateway token (a virtual key) is and allows. A token made before keys had policies reads as a key with no
 * identity and no restriction.
 *
 * @param metadata         the caller's identity ({@code team}, {@code user}...): merged into the request's
 *                         {@code cf-aig-metadata}, winning over the client's entries of the same name
 * @param allowedProviders provider slugs the key may call; empty: any
 * @param allowedModels    model ids the key may ask for, exact or with {@code *} globs; empty: any
 * @param expiresAt        epoch milliseconds after which the key is refused (401, 2045); null: never
 * @param rateLimit        requests per interval for this key alone; null: none
 * @param tokenLimit       tokens per window for this key alone (a token rule filtered on the key); null: none
 * @param budget           USD per window for this key alone (a spend rule filtered on the key); null: none
 * @param revokedAt        epoch milliseconds of revocation (401, 2045); null: not revoked
 */
public record VirtualKey(String id, String name, Map<String, Object> metadata, List<String> allowedProviders,
                         List<String> allowedModels, Long expiresAt, RequestLimit rateLimit, LimitRule tokenLimit,
                         LimitRule budget, long createdAt, Long revokedAt) {

    /** At most {@code limit} requests per {@code interval} seconds (fixed window). */
    public record RequestLimit(int limit, int interval) {
    }

    private static final Pattern PROVIDER = Pattern.compile("[a-z0-9-]{1,40}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._:/@*+-]{1,200}");
    private static final int MAX_LIST = 100;

    /** A key with only a name: what tokens created before policies existed are. */
    public static VirtualKey plain(String id, String name, long createdAt) {
        return new VirtualKey(id, name, Map.of(), List.of(), List.of(), null, null, null, null, createdAt, null);
    }

    public boolean expired(long nowMillis) {
        return expiresAt != null && nowMillis >= expiresAt;
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean allowsProvider(String slug) {
        return allowedProviders.isEmpty() || (slug != null && allowedProviders.contains(slug));
    }

    /** A null model (the request names none) is allowed only when the key allows every model. */
    public boolean allowsModel(String model) {
        if (allowedModels.isEmpty()) {
            return true;
        }
        if (model == null) {
            return false;
        }
        for (String pattern : allowedModels) {
            if (glob(pattern, model)) {
                return true;
            }
        }
        return false;
    }

    /** The key's own budgets as rules (each filtered on this key), for the limit steps. */
    public List<LimitRule> rules() {
        if (tokenLimit == null && budget == null) {
            return List.of();
        }
        List<LimitRule> rules = new ArrayList<>(2);
        if (budget != null) {
            rules.add(budget);
        }
        if (tokenLimit != null) {
            rules.add(tokenLimit);
        }
        return List.copyOf(rules);
    }

    /** {@code *} matches any run of characters (none included); everything else literally. */
    static boolean glob(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    // ---------------------------------------------------------------- admin API (create, PATCH) and stored form

    /** A new key from a POST body ({@code name} required, everything else optional). */
    public static VirtualKey create(String id, JsonNode body, long now) {
        if (!body.has("name")) {
            throw bad("name", "is required: a string of 1-128 characters, for example {\"name\": \"backend\"}");
        }
        return plain(id, "", now).patch(body, now);
    }

    /** Applies a PATCH body: the fields it names replace the key's; {@code null} clears one. */
    public VirtualKey patch(JsonNode body, long now) {
        String n = name;
        Map<String, Object> meta = metadata;
        List<String> providers = allowedProviders;
        List<String> models = allowedModels;
        Long expires = expiresAt;
        RequestLimit rl = rateLimit;
        LimitRule tokens = tokenLimit;
        LimitRule usd = budget;
        Iterator<Map.Entry<String, JsonNode>> fields = body.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            boolean clear = v.isNull();
            switch (f.getKey()) {
                case "id", "created_at", "revoked", "revoked_at", "key_id" -> { }
                case "name" -> {
                    if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 128) {
                        throw bad("name", "must be a string of 1-128 characters");
                    }
                    n = v.asText();
                }
                case "metadata" -> meta = clear ? Map.of() : RequestOptions.metadata(v, "metadata");
                case "allowed_providers" -> providers = clear ? List.of() : list("allowed_providers", v, PROVIDER,
                        "provider slugs such as \"openai\"");
                case "allowed_models" -> models = clear ? List.of() : list("allowed_models", v, MODEL,
                        "model ids, exact or with * globs, such as \"gpt-4o-mini\" or \"claude-3-5-*\"");
                case "expires_at" -> expires = clear ? null : instant("expires_at", v);
                case "rate_limit" -> rl = clear ? null : requestLimit(v);
                case "token_limit" -> tokens = clear ? null : keyRule("token_limit", v, LimitRule.Measure.TOKENS);
                case "budget" -> usd = clear ? null : keyRule("budget", v, LimitRule.Measure.SPEND);
                default -> throw bad(f.getKey(), "is not a field of a key; fields: name, metadata, allowed_providers,"
                        + " allowed_models, expires_at, rate_limit, token_limit, budget");
            }
        }
        return new VirtualKey(id, n, meta, providers, models, expires, rl, tokens, usd, createdAt, revokedAt);
    }

    public VirtualKey revokedAt(long when) {
        return new VirtualKey(id, name, metadata, allowedProviders, allowedModels, expiresAt, rateLimit, tokenLimit,
                budget, createdAt, when);
    }

    /** The admin API's view (never the secret or its hash). */
    public ObjectNode toJson() {
        ObjectNode o = policyJson();
        o.put("id", id);
        o.put("name", name);
        o.put("created_at", Instant.ofEpochMilli(createdAt).toString());
        o.put("revoked", revokedAt != null);
        if (revokedAt != null) {
            o.put("revoked_at", Instant.ofEpochMilli(revokedAt).toString());
        }
        return o;
    }

    /** What is stored beside the token's hash: everything but id, name and times (stored as attributes). */
    public ObjectNode policyJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ObjectNode meta = o.putObject("metadata");
        metadata.forEach((k, v) -> meta.set(k, Json.MAPPER.valueToTree(v)));
        allowedProviders.forEach(o.putArray("allowed_providers")::add);
        allowedModels.forEach(o.putArray("allowed_models")::add);
        if (expiresAt != null) {
            o.put("expires_at", Instant.ofEpochMilli(expiresAt).toString());
        } else {
            o.putNull("expires_at");
        }
        if (rateLimit != null) {
            o.putObject("rate_limit").put("limit", rateLimit.limit()).put("interval", rateLimit.interval());
        } else {
            o.putNull("rate_limit");
        }
        o.set("token_limit", tokenLimit == null ? null : keyRuleJson(tokenLimit));
        o.set("budget", budget == null ? null : keyRuleJson(budget));
        return o;
    }

    /** Reads a stored key: its attributes and its {@link #policyJson()} (absent for tokens made before policies). */
    public static VirtualKey stored(String id, String name, long createdAt, Long revokedAt, String policy) {
        VirtualKey key = plain(id, name, createdAt);
        if (policy != null && !policy.isEmpty()) {
            try {
                key = key.patch(Json.MAPPER.readTree(policy), createdAt);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored key policy of " + id + " is not JSON");
            }
        }
        return revokedAt == null ? key : key.revokedAt(revokedAt);
    }

    private static ObjectNode keyRuleJson(LimitRule rule) {
        ObjectNode o = rule.toJson();
        o.remove("id");
        o.remove("dimensions");
        return o;
    }

    /** A key's budget or token limit: a rule filtered on this key, named {@code key:{id}:budget|tokens}. */
    private LimitRule keyRule(String field, JsonNode v, LimitRule.Measure measure) {
        if (!v.isObject()) {
            throw bad(field, measure == LimitRule.Measure.SPEND
                    ? "must be {\"limit_usd\": 5, \"window_seconds\": 2592000}"
                    : "must be {\"limit_tokens\": 100000, \"window_seconds\": 86400, \"count\": \"total\"}");
        }
        if (v.has("id") || v.has("dimensions")) {
            throw bad(field, "takes only " + measure.limitField() + ", window_seconds"
                    + (measure == LimitRule.Measure.TOKENS ? ", count" : "")
                    + ", enforcement and alert_thresholds (it always applies to this key)");
        }
        ObjectNode copy = ((ObjectNode) v).deepCopy();
        String ruleId = "key:" + id + ":" + (measure == LimitRule.Measure.SPEND ? "budget" : "tokens");
        copy.put("id", ruleId);
        LimitRule parsed = LimitRule.parse(field, copy, measure);
        return new LimitRule(ruleId, measure, parsed.limit(), parsed.windowSeconds(), parsed.count(),
                List.of(new LimitRule.Dimension(LimitRule.DimensionType.KEY, null, LimitRule.Mode.FILTER, id)),
                parsed.enforcement(), parsed.alertThresholds());
    }

    private static RequestLimit requestLimit(JsonNode v) {
        JsonNode limit = v.path("limit");
        JsonNode interval = v.path("interval");
        if (!v.isObject() || !limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 1
                || !interval.isIntegralNumber() || !interval.canConvertToInt() || interval.intValue() < 1
                || interval.intValue() > 86_400 || v.size() != 2) {
            throw bad("rate_limit", "must be {\"limit\": requests (at least 1), \"interval\": seconds (1-86400)}");
        }
        return new RequestLimit(limit.intValue(), interval.intValue());
    }

    private static List<String> list(String field, JsonNode v, Pattern item, String what) {
        if (!v.isArray() || v.size() > MAX_LIST) {
            throw bad(field, "must be an array of at most " + MAX_LIST + " " + what);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || !item.matcher(e.asText()).matches()) {
                throw bad(field, "holds " + e + "; it takes " + what);
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    private static long instant(String field, JsonNode v) {
        try {
            if (v.isIntegralNumber()) {
                return v.asLong() * 1000; // epoch seconds
            }
            if (v.isTextual()) {
                return Instant.parse(v.asText()).toEpochMilli();
            }
        } catch (DateTimeParseException ignored) {
            // reported below
        }
        throw bad(field, "must be an ISO-8601 time such as \"2026-12-31T00:00:00Z\" or epoch seconds");
    }

    private static GatewayException bad(String field, String what) {
        return new GatewayException(ErrorCode.BAD_REQUEST, "Invalid key field '" + field + "': " + what + ".");
    }

    /** Entries of the key's identity first, then the client's own entries that the identity does not name. */
    public Map<String, Object> identityOver(Map<String, Object> clientMetadata) {
        if (metadata.isEmpty()) {
            return clientMetadata;
        }
        Map<String, Object> merged = new LinkedHashMap<>(metadata);
        clientMetadata.forEach(merged::putIfAbsent);
        return java.util.Collections.unmodifiableMap(merged);
    }
}
