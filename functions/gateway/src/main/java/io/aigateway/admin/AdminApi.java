package io.aigateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.config.GatewayConfig;
import io.aigateway.config.GatewaySettings;
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

    private final AdminAuth auth;
    private final LogStore logs;
    private final SettingsStore settings;
    private final SettingsCache settingsCache;
    private final GatewayTokens tokens;
    private final GatewayConfig config;
    private final StoreStats stats;
    private final java.util.concurrent.atomic.LongAdder proxied = new java.util.concurrent.atomic.LongAdder();

    public AdminApi(AdminAuth auth, LogStore logs, SettingsStore settings, SettingsCache settingsCache,
                    GatewayTokens tokens, GatewayConfig config, StoreStats stats) {
        this.stats = stats;
        this.auth = auth;
        this.logs = logs;
        this.settings = settings;
        this.settingsCache = settingsCache;
        this.tokens = tokens;
        this.config = config;
    }

    public GatewayResponse handle(GatewayRequest request) {
        String path = request.rawPath();
        if (!path.startsWith("/api/v1/gateways") && !path.equals("/api/v1/stats")) {
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
        if ("logs".equals(section) && parts.length <= 3) {
            requireMethod(method, "GET");
            return parts.length == 3 && !parts[2].isEmpty()
                    ? getLog(gateway, parts[2])
                    : listLogs(gateway, QueryString.parse(request.rawQuery()));
        }
        if ("tokens".equals(section) && parts.length == 2) {
            return switch (method) {
                case "GET" -> listTokens(gateway);
                case "POST" -> createToken(gateway, request.body());
                default -> throw methodNotAllowed(path, "GET or POST");
            };
        }
        if ("tokens".equals(section) && parts.length == 3) {
            requireMethod(method, "DELETE");
            if (!tokens.revoke(gateway, parts[2])) {
                throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "No token with that id in gateway '" + gateway + "'.");
            }
            return ok(envelope());
        }
        throw notFound();
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
        settings.list().forEach(s -> result.add(s.toJson()));
        root.putObject("result_info").put("count", result.size());
        return ok(root);
    }

    private GatewayResponse getGateway(String gateway) {
        GatewaySettings found = settings.get(gateway).orElseThrow(() -> new GatewayException(ErrorCode.GATEWAY_NOT_FOUND,
                "Gateway '" + gateway + "' has no stored settings; it runs on the defaults. PUT settings to configure it."));
        ObjectNode root = envelope();
        root.set("result", found.toJson());
        return ok(root);
    }

    private GatewayResponse putGateway(String gateway, byte[] body) {
        JsonNode patch = parseBody(body);
        long now = System.currentTimeMillis();
        GatewaySettings base = settings.get(gateway).orElseGet(() -> config.defaultsFor(gateway));
        GatewaySettings updated = base.merge(patch, now);
        settings.put(updated);
        settingsCache.invalidate(gateway);
        ObjectNode root = envelope();
        root.set("result", updated.toJson());
        return ok(root);
    }

    private GatewayResponse deleteGateway(String gateway) {
        if (!settings.delete(gateway)) {
            throw new GatewayException(ErrorCode.GATEWAY_NOT_FOUND, "Gateway '" + gateway + "' has no stored settings.");
        }
        settingsCache.invalidate(gateway);
        return ok(envelope());
    }

    private GatewayResponse listTokens(String gateway) {
        ObjectNode root = envelope();
        ArrayNode result = root.putArray("result");
        for (GatewayTokens.TokenInfo t : tokens.list(gateway)) {
            ObjectNode o = result.addObject();
            o.put("id", t.id());
            o.put("name", t.name());
            o.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
        }
        return ok(root);
    }

    private GatewayResponse createToken(String gateway, byte[] body) {
        JsonNode json = parseBody(body);
        JsonNode name = json.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank() || name.asText().length() > 128) {
            throw bad("name must be a string of 1-128 characters, for example {\"name\": \"backend\"}.");
        }
        GatewayTokens.Created created = tokens.create(gateway, name.asText(), System.currentTimeMillis());
        ObjectNode root = envelope();
        ObjectNode result = root.putObject("result");
        result.put("id", created.info().id());
        result.put("name", created.info().name());
        result.put("token", created.token());
        result.put("created_at", Instant.ofEpochMilli(created.info().createdAt()).toString());
        return ok(root);
    }

    private static JsonNode parseBody(byte[] body) {
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

    private static GatewayException methodNotAllowed(String path, String allowed) {
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
        int limit = intParam(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String cursor = params.get("cursor");
        String beforeId = null;
        if (cursor != null && !cursor.isEmpty()) {
            try {
                beforeId = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException e) {
                beforeId = null;
            }
            if (!LogIds.isValid(beforeId)) {
                throw bad("cursor is not one this API returned; pass result_info.cursor unchanged.");
            }
        }
        String status = params.getOrDefault("status_code", params.get("status"));
        LogQuery query = new LogQuery(gateway, limit, beforeId,
                timeParam(params, "from", 0),
                timeParam(params, "to", System.currentTimeMillis() + 60_000),
                blankToNull(params.get("provider")),
                blankToNull(params.get("model")),
                status == null ? null : intParam(Map.of("status_code", status), "status_code", 0, 100, 599),
                boolParam(params, "success"));
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

    private static ObjectNode envelope() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("success", true);
        return root;
    }

    private static GatewayResponse ok(ObjectNode root) {
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

    private static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_REQUEST, message);
    }

    private static GatewayException notFound() {
        return new GatewayException(ErrorCode.ROUTE_NOT_FOUND,
                "No admin route here. Routes: /api/v1/gateways[/{gateway_id}[/logs[/{log_id}]|/tokens[/{token_id}]]].");
    }
}
