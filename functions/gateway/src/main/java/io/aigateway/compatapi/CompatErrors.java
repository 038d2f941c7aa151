package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;

import java.nio.charset.StandardCharsets;

/** The compat endpoint's own refusals, in OpenAI's error shape (so OpenAI's SDKs raise BadRequestError). */
public final class CompatErrors {
    private CompatErrors() {
    }

    /** 400, code 2048, {@code param} naming what the provider cannot honour. */
    public static GatewayResponse unsupported(UnsupportedParameterException e) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        String provider = e.provider() == null ? "" : " (" + e.provider() + ")";
        error.put("message", "Unsupported parameter '" + e.param() + "'" + provider + ": " + e.getMessage() + ".");
        error.put("type", "invalid_request_error");
        error.put("param", e.param());
        error.put("code", Integer.toString(ErrorCode.COMPAT_UNSUPPORTED.code()));
        return GatewayResponse.of(ErrorCode.COMPAT_UNSUPPORTED.status(), Headers.builder()
                        .set("content-type", "application/json")
                        .set(ErrorShape.CODE_HEADER, Integer.toString(ErrorCode.COMPAT_UNSUPPORTED.code())).build(),
                new ResponseBody.Bytes(root.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
