package io.aigateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.config.VirtualKey;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;

/**
 * Virtual keys under {@code /api/v1/gateways/{id}/tokens}: list and create; read, PATCH and delete one
 * ({@code /tokens/{token_id}}); {@code POST /tokens/{token_id}/rotate} (a new secret, shown once) and
 * {@code POST /tokens/{token_id}/revoke} (refused with 2045 from then on, kept for its logs).
 */
final class KeysAdmin {
    private final GatewayTokens tokens;

    KeysAdmin(GatewayTokens tokens) {
        this.tokens = tokens;
    }

    GatewayResponse handle(String method, String path, String gateway, String[] parts, byte[] body) {
        if (parts.length == 2) {
            return switch (method) {
                case "GET" -> list(gateway);
                case "POST" -> created(tokens.create(gateway, AdminApi.parseBody(body), System.currentTimeMillis()));
                default -> throw AdminApi.methodNotAllowed(path, "GET or POST");
            };
        }
        String id = parts[2];
        if (parts.length == 3) {
            return switch (method) {
                case "GET" -> one(tokens.get(gateway, id).orElseThrow(() -> notFound(gateway)));
                case "PATCH" -> one(tokens.update(gateway, id, AdminApi.parseBody(body), System.currentTimeMillis())
                        .orElseThrow(() -> notFound(gateway)));
                case "DELETE" -> {
                    if (!tokens.delete(gateway, id)) {
                        throw notFound(gateway);
                    }
                    yield AdminApi.ok(AdminApi.envelope());
                }
                default -> throw AdminApi.methodNotAllowed(path, "GET, PATCH or DELETE");
            };
        }
        if (parts.length == 4 && ("rotate".equals(parts[3]) || "revoke".equals(parts[3]))) {
            if (!"POST".equals(method)) {
                throw AdminApi.methodNotAllowed(path, "POST");
            }
            return "rotate".equals(parts[3])
                    ? created(tokens.rotate(gateway, id).orElseThrow(() -> notFound(gateway)))
                    : one(tokens.revoke(gateway, id, System.currentTimeMillis()).orElseThrow(() -> notFound(gateway)));
        }
        throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "Key routes: /tokens, /tokens/{token_id}, "
                + "/tokens/{token_id}/rotate, /tokens/{token_id}/revoke.");
    }

    private GatewayResponse list(String gateway) {
        ObjectNode root = AdminApi.envelope();
        ArrayNode result = root.putArray("result");
        tokens.list(gateway).forEach(k -> result.add(k.toJson()));
        root.putObject("result_info").put("count", result.size());
        return AdminApi.ok(root);
    }

    private static GatewayResponse one(VirtualKey key) {
        ObjectNode root = AdminApi.envelope();
        root.set("result", key.toJson());
        return AdminApi.ok(root);
    }

    /** The token is in this answer only: it is stored as a hash. */
    private static GatewayResponse created(GatewayTokens.Created created) {
        ObjectNode root = AdminApi.envelope();
        ObjectNode result = created.key().toJson();
        result.put("token", created.token());
        root.set("result", result);
        return AdminApi.ok(root);
    }

    private static GatewayException notFound(String gateway) {
        return new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "No key with that id in gateway '" + gateway + "'.");
    }
}
