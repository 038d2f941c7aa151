package io.aigateway.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** The error shape of the contract: {"success": false, "error": [{"code": 2xxx, "message": "..."}]}. */
public final class Errors {
    private Errors() {
    }

    public static GatewayResponse response(GatewayException e) {
        return response(e.code(), e.getMessage(), e.extraHeaders());
    }

    public static GatewayResponse response(ErrorCode code, String message) {
        return response(code, message, Headers.empty());
    }

    public static GatewayResponse response(ErrorCode code, String message, Headers extra) {
        Headers.Builder headers = extra.toBuilder().set("content-type", "application/json");
        return GatewayResponse.of(code.status(), headers.build(), new ResponseBody.Bytes(body(code, message)));
    }

    public static byte[] body(ErrorCode code, String message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("success", false);
        ObjectNode error = root.putArray("error").addObject();
        error.put("code", code.code());
        error.put("message", message);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
