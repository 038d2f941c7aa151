package io.aigateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.QueryString;
import io.aigateway.core.ResponseBody;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The admin API's {@code /api/v1/gateways/{id}/routes} section (the admin token is checked before it is reached):
 * <pre>
 *   GET    /routes                         live version of every route
 *   PUT    /routes/{name}                  store {"elements": [...]} as a new version (validated; 400 code 2049)
 *   GET    /routes/{name}[?version=N]      the live version, or version N
 *   GET    /routes/{name}/versions         every version
 *   POST   /routes/{name}/rollback         {"version": N}: N's elements become a new, live version
 *   DELETE /routes/{name}                  the route and all its versions
 * </pre>
 */
public final class RoutesAdmin {
    private final RouteStore store;
    private final RouteBook book;

    public RoutesAdmin(RouteStore store, RouteBook book) {
        this.store = store;
        this.book = book;
    }

    /** @param parts the path after {@code /api/v1/gateways/{gateway}/routes}, split on '/' (may be empty) */
    public GatewayResponse handle(String gateway, String[] parts, GatewayRequest request) {
        String method = request.method();
        if (parts.length == 0) {
            allow(method, "GET");
            ArrayNode list = Json.MAPPER.createArrayNode();
            store.list(gateway).forEach(r -> list.add(json(r)));
            ObjectNode root = envelope();
            root.set("result", list);
            root.putObject("result_info").put("count", list.size());
            return ok(root);
        }
        String name = parts[0];
        if (!Route.NAME.matcher(name).matches()) {
            throw new GatewayException(ErrorCode.ROUTE_INVALID, "Invalid route name '" + Headers.printable(name)
                    + "': use 1-64 letters, digits, '-' or '_'.");
        }
        try {
            if (parts.length == 1) {
                return switch (method) {
                    case "GET" -> get(gateway, name, QueryString.parse(request.rawQuery()));
                    case "PUT" -> {
                        Route r = store.put(gateway, name, body(request.body()), System.currentTimeMillis());
                        book.invalidate(gateway, name);
                        yield result(json(r));
                    }
                    case "DELETE" -> {
                        boolean existed = store.delete(gateway, name);
                        book.invalidate(gateway, name);
                        if (!existed) {
                            throw notFound(gateway, name);
                        }
                        yield ok(envelope());
                    }
                    default -> throw methodNotAllowed("GET, PUT or DELETE");
                };
            }
            if (parts.length == 2 && "versions".equals(parts[1])) {
                allow(method, "GET");
                ArrayNode list = Json.MAPPER.createArrayNode();
                store.versions(gateway, name).forEach(r -> list.add(json(r)));
                if (list.isEmpty()) {
                    throw notFound(gateway, name);
                }
                ObjectNode root = envelope();
                root.set("result", list);
                return ok(root);
            }
            if (parts.length == 2 && "rollback".equals(parts[1])) {
                allow(method, "POST");
                JsonNode v = body(request.body()).get("version");
                if (v == null || !v.canConvertToExactIntegral() || v.asInt() < 1) {
                    throw new GatewayException(ErrorCode.ROUTE_INVALID,
                            "Rollback takes {\"version\": N}, N a version of the route (see .../versions).");
                }
                Route r = store.rollback(gateway, name, v.asInt(), System.currentTimeMillis())
                        .orElseThrow(() -> new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "Route '" + name
                                + "' has no version " + v.asInt() + "."));
                book.invalidate(gateway, name);
                return result(json(r));
            }
        } catch (RouteException e) {
            throw e.toGatewayException(name);
        }
        throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "No admin route here; see /routes/{name},"
                + " /routes/{name}/versions and /routes/{name}/rollback.");
    }

    private GatewayResponse get(String gateway, String name, Map<String, String> query) {
        String v = query.get("version");
        if (v == null) {
            return result(json(store.current(gateway, name).orElseThrow(() -> notFound(gateway, name))));
        }
        int version;
        try {
            version = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new GatewayException(ErrorCode.ROUTE_INVALID, "version must be a whole number, got '"
                    + Headers.printable(v) + "'.");
        }
        return result(json(store.version(gateway, name, version).orElseThrow(() -> new GatewayException(
                ErrorCode.ROUTE_NOT_FOUND, "Route '" + name + "' has no version " + version + "."))));
    }

    static ObjectNode json(Route r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", r.name());
        o.put("name", r.name());
        o.put("version", r.version());
        o.put("created_at", Instant.ofEpochMilli(r.createdAt()).toString());
        o.set("elements", r.source().get("elements"));
        return o;
    }

    private static JsonNode body(byte[] bytes) {
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (Exception ignored) {
            // refused below
        }
        throw new GatewayException(ErrorCode.ROUTE_INVALID, "The body must be a JSON object, for a route"
                + " {\"elements\": [...]}.");
    }

    private static GatewayException notFound(String gateway, String name) {
        return new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "Gateway '" + gateway + "' has no route '" + name + "'.");
    }

    private static void allow(String method, String allowed) {
        if (!allowed.equals(method)) {
            throw methodNotAllowed(allowed);
        }
    }

    private static GatewayException methodNotAllowed(String allowed) {
        return new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "Use " + allowed + " here.");
    }

    private static ObjectNode envelope() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("success", true);
        root.putArray("errors");
        return root;
    }

    private static GatewayResponse result(ObjectNode result) {
        ObjectNode root = envelope();
        root.set("result", result);
        return ok(root);
    }

    private static GatewayResponse ok(ObjectNode root) {
        return GatewayResponse.of(200, Headers.builder().add("content-type", "application/json").build(),
                new ResponseBody.Bytes(root.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
