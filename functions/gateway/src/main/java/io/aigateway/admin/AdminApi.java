package io.aigateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.analytics.AnalyticsApi;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.config.GatewayConfig;
import io.aigateway.config.GatewaySettings;
import io.aigateway.plugin.PluginRegistry;
import io.aigateway.plugin.PluginSettings;
import io.aigateway.config.SettingsCache;
import io.aigateway.config.SettingsStore;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.QueryString;
import io.aigateway.core.ResponseBody;
import io.aigateway.log.LogIds;
import io.aigateway.log.LogJson;
import io.aigateway.log.LogQuery;
import io.aigateway.log.LogStore;
import io.aigateway.log.RequestLog;
import io.aigateway.provider.RouteParser;
import io.aigateway.store.StoreStats;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;

/**
 * The admin API under {@code /api/v1}: Cloudflare's response envelope
 * ({@code {"success": true, "result": ..., "result_info": ...}}), bearer-token auth, keyed reads only.
 */
public final class AdminApi {
    private static final String PREFIX = "/api/v1/gateways/";
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final PluginRegistry plugins;
    private final AdminAuth auth;
    private final LogStore logs;
    private final SettingsStore settings;
    private final SettingsCache settingsCache;
    private final KeysAdmin keys;
    private final SpendAdmin spend;
    private final ProviderKeysAdmin providerKeys;
    private final GatewayConfig config;
    private final StoreStats stats;
    private final AnalyticsApi analytics;
    private java.util.function.Supplier<io.aigateway.recording.RecordCounters> records =
            () -> new io.aigateway.recording.RecordCounters("none", 0, 0, 0, 0, 0, 0);
    private final java.util.concurrent.atomic.LongAdder proxied = new java.util.concurrent.atomic.LongAdder();
    private io.aigateway.routes.RoutesAdmin routes;

    public AdminApi(AdminAuth auth, LogStore logs, SettingsStore settings, SettingsCache settingsCache,
                    GatewayTokens tokens, GatewayConfig config, StoreStats stats, AnalyticsApi analytics,
                    PluginRegistry plugins, io.aigateway.spend.SpendCounters spendCounters,
                    io.aigateway.byok.ProviderKeys providerKeys, io.aigateway.provider.ProviderRegistry registry) {
        this.plugins = plugins;
        this.spend = new SpendAdmin(spendCounters, tokens);
        this.providerKeys = new ProviderKeysAdmin(providerKeys, settings, settingsCache, config, registry);
        this.stats = stats;
        this.analytics = analytics;
        this.auth = auth;
        this.logs = logs;
        this.settings = settings;
        this.settingsCache = settingsCache;
        this.keys = new KeysAdmin(tokens);
        this.config = config;
    }

    public GatewayResponse handle(GatewayRequest request) {
        String path = request.rawPath();
        // Whole segments only: /api/v1/gatewaysX... is no admin route.
        if (!path.equals("/api/v1/gateways") && !path.startsWith(PREFIX) && !path.equals("/api/v1/stats")) {
            throw notFound();
        }
        auth.check(request.headers());
        String method = request.method();
        if (path.equals("/api/v1/stats")) {
            requireMethod(method, "GET");
            return stats();
        }
        if (path.equals("/api/v1/gateways") || path.equals(PREFIX)) {
            requireMethod(method, "GET");
            return listGateways();
        }
        String[] parts = path.substring(PREFIX.length()).split("/", -1);
        String gateway = parts[0];
        if (!RouteParser.ID.matcher(gateway).matches()) {
            throw new GatewayException(ErrorCode.BAD_PATH, "Invalid gateway id in the admin path.");
        }
        if (parts.length == 1) {
            return switch (method) {
                case "GET" -> getGateway(gateway);
                case "PUT" -> putGateway(gateway, request.body());
                case "DELETE" -> deleteGateway(gateway);
                default -> throw methodNotAllowed(path, "GET, PUT or DELETE");
            };
        }
        String section = parts[1];
        if ("logs".equals(section) && parts.length == 2) {
            Map<String, String> params = QueryString.parse(request.rawQuery());
            return switch (method) {
                case "GET" -> listLogs(gateway, params);
                case "DELETE" -> deleteLogs(gateway, params);
                default -> throw methodNotAllowed(path, "GET or DELETE");
            };
        }
        if ("logs".equals(section) && parts.length == 3) {
            return switch (method) {
                case "GET" -> getLog(gateway, parts[2]);
                case "PATCH" -> patchLog(gateway, parts[2], request.body());
                default -> throw methodNotAllowed(path, "GET or PATCH");
            };
        }
        if ("logs".equals(section) && parts.length == 4 && ("request".equals(parts[3]) || "response".equals(parts[3]))) {
            requireMethod(method, "GET");
            return logBody(gateway, parts[2], parts[3]);
        }
        if ("analytics".equals(section) && parts.length == 2) {
            requireMethod(method, "GET");
            ObjectNode root = envelope();
            root.set("result", analytics.query(gateway, QueryString.parse(request.rawQuery())));
            return ok(root);
        }
        if ("routes".equals(section) && routes != null) {
            return routes.handle(gateway, java.util.Arrays.copyOfRange(parts, 2, parts.length), request);
        }
        if ("tokens".equals(section)) {
            return keys.handle(method, path, gateway, parts, request.body());
        }
        if ("provider-keys".equals(section)) {
            return providerKeys.handle(method, path, gateway, parts, request.body());
        }
        if ("spend".equals(section) && parts.length == 2) {
            requireMethod(method, "GET");
            return spend.handle(gateway, settings.get(gateway).orElseGet(() -> config.defaultsFor(gateway)));
        }
        throw notFound();
    }

    /** Serves {@code /api/v1/gateways/{id}/routes...} (dynamic routes). */
    public void serveRoutes(io.aigateway.routes.RoutesAdmin routesAdmin) {
        this.routes = routesAdmin;
    }

    /** Where /api/v1/stats reads what became of the request records. */
    public void reportRecords(java.util.function.Supplier<io.aigateway.recording.RecordCounters> counters) {
        this.records = counters;
    }

    /** Counted by the gateway for every proxied request. */
    public void countProxied() {
        proxied.increment();
    }

    /** Process counters: proxied requests and DynamoDB calls by operation (count, total ms, failures). */
    private GatewayResponse stats() {
        ObjectNode root = envelope();
        ObjectNode result = root.putObject("result");
        result.put("proxied_requests", proxied.sum());
        io.aigateway.recording.RecordCounters r = records.get();
        result.put("records_sink", r.sink());
        result.put("records_lost", r.lost());
        result.put("records_parked", r.parked());
        result.put("records_ingested", r.ingested());
        result.put("records_duplicate", r.duplicates());
        result.put("records_backlog_bytes", r.backlogBytes());
        result.put("ingest_retries", r.retries());
        ObjectNode store = result.putObject("store_calls");
        stats.snapshot().forEach((op, s) -> {
            ObjectNode o = store.putObject(op);
            o.put("calls", s.calls());
            o.put("total_ms", Math.round(s.totalMillis() * 1000) / 1000.0);
            o.put("failures", s.failures());
        });
        return ok(root);
    }

    private GatewayResponse listGateways() {
        ObjectNode root = envelope();
        ArrayNode result = root.putArray("result");
        settings.list().forEach(s -> result.add(s.toPublicJson()));
        root.putObject("result_info").put("count", result.size());
        return ok(root);
    }

    private GatewayResponse getGateway(String gateway) {
        GatewaySettings found = settings.get(gateway).orElseThrow(() -> new GatewayException(ErrorCode.GATEWAY_NOT_FOUND,
                "Gateway '" + gateway + "' has no stored settings; it runs on the defaults. PUT settings to configure it."));
        ObjectNode root = envelope();
        root.set("result", found.toPublicJson());
        return ok(root);
    }

    private GatewayResponse putGateway(String gateway, byte[] body) {
        JsonNode patch = parseBody(body);
        long now = System.currentTimeMillis();
        GatewaySettings base = settings.get(gateway).orElseGet(() -> config.defaultsFor(gateway));
        GatewaySettings updated = base.merge(patch, now);
        if (patch.has(PluginSettings.FIELD)) {
            // the stored form is read by shape only; a PUT must name loaded plug-ins with configs they accept
            PluginSettings.listFromJson(patch.get(PluginSettings.FIELD), plugins);
        }
        settings.put(updated);
        settingsCache.invalidate(gateway);
        ObjectNode root = envelope();
        root.set("result", updated.toPublicJson());
        return ok(root);
    }

    private GatewayResponse deleteGateway(String gateway) {
        if (!settings.delete(gateway)) {
            throw new GatewayException(ErrorCode.GATEWAY_NOT_FOUND, "Gateway '" + gateway + "' has no stored settings.");
        }
        settingsCache.invalidate(gateway);
        return ok(envelope());
    }

    static JsonNode parseBody(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw bad("the body must be a JSON object.");
            }
            return node;
        } catch (java.io.IOException e) {
            throw bad("the body must be a JSON object.");
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!expected.equals(method)) {
            throw new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "Use " + expected + " here.");
        }
    }

    static GatewayException methodNotAllowed(String path, String allowed) {
        return new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "Use " + allowed + " on " + path + ".");
    }

    private GatewayResponse getLog(String gateway, String id) {
        RequestLog log = logs.get(gateway, id).orElseThrow(() -> new GatewayException(ErrorCode.LOG_NOT_FOUND,
                "No log with that id in gateway '" + gateway + "' (logs expire after their retention period)."));
        ObjectNode root = envelope();
        root.set("result", LogJson.toJson(log));
        return ok(root);
    }

    private GatewayResponse listLogs(String gateway, Map<String, String> params) {
        LogQuery query = query(gateway, params, intParam(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT));
        String cursor = params.get("cursor");
        if (cursor != null && !cursor.isEmpty()) {
            String beforeId;
            try {
                beforeId = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException e) {
                beforeId = null;
            }
            if (!LogIds.isValid(beforeId)) {
                throw bad("cursor is not one this API returned; pass result_info.cursor unchanged.");
            }
            query = query.after(beforeId);
        }
        LogStore.Page page = logs.list(query);
        ObjectNode root = envelope();
        ArrayNode result = root.putArray("result");
        page.logs().forEach(log -> result.add(LogJson.toJson(log)));
        ObjectNode info = root.putObject("result_info");
        info.put("count", page.logs().size());
        if (page.nextCursor() != null) {
            info.put("cursor", Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(page.nextCursor().getBytes(StandardCharsets.US_ASCII)));
        }
        return ok(root);
    }

    /** Filters shared by listing and deletion; every one is optional. */
    private static LogQuery query(String gateway, Map<String, String> params, int limit) {
        String status = params.getOrDefault("status_code", params.get("status"));
        String metadataKey = null;
        String metadataValue = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (p.getKey().startsWith("metadata.") && p.getKey().length() > "metadata.".length()) {
                metadataKey = p.getKey().substring("metadata.".length());
                metadataValue = p.getValue().isEmpty() ? null : p.getValue();
            }
        }
        LogQuery.Filters filters = new LogQuery.Filters(
                blankToNull(params.get("provider")),
                blankToNull(params.get("model")),
                status == null ? null : intParam(Map.of("status_code", status), "status_code", 0, 100, 599),
                boolParam(params, "success"),
                boolParam(params, "cached"),
                params.containsKey("feedback") ? intParam(params, "feedback", 0, -1, 1) : null,
                blankToNull(params.get("event_id")),
                metadataKey,
                metadataValue,
                doubleParam(params, "min_cost"),
                doubleParam(params, "max_cost"),
                longParam(params, "min_duration"),
                longParam(params, "max_duration"),
                longParam(params, "min_tokens_in"),
                longParam(params, "max_tokens_in"),
                longParam(params, "min_tokens_out"),
                longParam(params, "max_tokens_out"),
                blankToNull(params.get("key_id")),
                dlpActionParam(params));
        return new LogQuery(gateway, limit, null, timeParam(params, "from", 0),
                timeParam(params, "to", System.currentTimeMillis() + 60_000), filters);
    }

    /** {@code dlp_action=FLAG|REDACT|BLOCK} (any case); null when absent. */
    private static String dlpActionParam(Map<String, String> params) {
        String v = blankToNull(params.get("dlp_action"));
        if (v == null) {
            return null;
        }
        String upper = v.toUpperCase(java.util.Locale.ROOT);
        if (!io.aigateway.pipeline.DlpOutcome.ACTIONS.contains(upper)) {
            throw new GatewayException(ErrorCode.BAD_REQUEST,
                    "Query parameter 'dlp_action' must be FLAG, REDACT or BLOCK (got '" + v + "').");
        }
        return upper;
    }

        /** Deletes matching logs, up to {@code limit} (default and most 1000) per call; says whether more match. */
    private GatewayResponse deleteLogs(String gateway, Map<String, String> params) {
        int max = intParam(params, "limit", 1000, 1, 1000);
        LogStore.Deleted deleted = logs.delete(query(gateway, params, Math.min(max, MAX_LIMIT)), max);
        ObjectNode root = envelope();
        ObjectNode result = root.putObject("result");
        result.put("deleted", deleted.count());
        result.put("more", deleted.more());
        return ok(root);
    }

    private GatewayResponse patchLog(String gateway, String id, byte[] body) {
        JsonNode patch = parseBody(body);
        Integer feedback = null;
        Double score = null;
        Map<String, Object> metadata = null;
        java.util.Iterator<Map.Entry<String, JsonNode>> fields = patch.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "feedback" -> {
                    // canConvertToInt first: asInt() wraps 4294967297 to 1
                    if (!v.isIntegralNumber() || !v.canConvertToInt() || Math.abs(v.intValue()) > 1) {
                        throw bad("feedback must be 1 (good), -1 (bad) or 0 (none).");
                    }
                    feedback = v.intValue();
                }
                case "score" -> {
                    if (!v.isNumber()) {
                        throw bad("score must be a number.");
                    }
                    if (!io.aigateway.core.RequestOptions.storableNumber(v)) {
                        throw new GatewayException(ErrorCode.NUMBER_OUT_OF_RANGE,
                                "score " + io.aigateway.store.DynamoNumbers.rule() + "; got " + v + ".");
                    }
                    score = v.asDouble();
                }
                case "metadata" -> metadata = metadataOf(v);
                default -> throw bad("'" + f.getKey() + "' cannot be changed; send feedback, score or metadata.");
            }
        }
        return switch (logs.patch(gateway, id, feedback, score, metadata)) {
            case APPLIED -> getLog(gateway, id);
            case PENDING -> {
                // the log is on its way through the ingest; the feedback is merged into it when it arrives
                ObjectNode root = envelope();
                ObjectNode result = root.putObject("result");
                result.put("id", id);
                result.put("pending", true);
                yield GatewayResponse.of(202, Headers.builder().add("content-type", "application/json").build(),
                        new io.aigateway.core.ResponseBody.Bytes(root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            case NOT_FOUND -> throw new GatewayException(ErrorCode.LOG_NOT_FOUND,
                    "No log with that id in gateway '" + gateway + "'.");
        };
    }

    private static Map<String, Object> metadataOf(JsonNode v) {
        return io.aigateway.core.RequestOptions.metadata(v, "metadata");
    }

    /** A stored body, decompressed, with the content type it was sent with when known. */
    private GatewayResponse logBody(String gateway, String id, String side) {
        byte[] gz = logs.body(gateway, id, side).orElseThrow(() -> new GatewayException(ErrorCode.LOG_NOT_FOUND,
                "No stored " + side + " body for that log (bodies are not kept with cf-aig-collect-log-payload: false,"
                        + " for empty bodies, or for bodies too large to store)."));
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return GatewayResponse.of(200, Headers.builder().add("content-type", "application/octet-stream").build(),
                    new ResponseBody.Bytes(in.readAllBytes()));
        } catch (java.io.IOException e) {
            throw new GatewayException(ErrorCode.INTERNAL, "The stored body could not be read.");
        }
    }

    private static Double doubleParam(Map<String, String> params, String name) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw bad(name + " must be a number.");
        }
    }

    private static Long longParam(Map<String, String> params, String name) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw bad(name + " must be a whole number.");
        }
    }

    static ObjectNode envelope() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("success", true);
        return root;
    }

    static GatewayResponse ok(ObjectNode root) {
        return GatewayResponse.of(200, Headers.builder().add("content-type", "application/json").build(),
                new ResponseBody.Bytes(root.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static int intParam(Map<String, String> params, String name, int fallback, int min, int max) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad(name + " must be a whole number from " + min + " to " + max + ".");
    }

    private static Boolean boolParam(Map<String, String> params, String name) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        return switch (raw) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(name + " must be true or false.");
        };
    }

    /** ISO-8601 instants (2026-11-22T10:00:00Z) or epoch milliseconds. */
    private static long timeParam(Map<String, String> params, String name, long fallback) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            return raw.chars().allMatch(Character::isDigit) ? Long.parseLong(raw) : Instant.parse(raw).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw bad(name + " must be an ISO-8601 time such as 2026-11-22T10:00:00Z, or epoch milliseconds.");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_REQUEST, message);
    }

    private static GatewayException notFound() {
        return new GatewayException(ErrorCode.ROUTE_NOT_FOUND,
                "No admin route here. Routes: /api/v1/gateways[/{gateway_id}[/logs[/{log_id}]|/tokens[/{token_id}[/rotate|/revoke]]]].");
    }
}
