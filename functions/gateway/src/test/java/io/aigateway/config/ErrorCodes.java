package io.aigateway.config;

import io.aigateway.core.Json;

import java.net.http.HttpResponse;
import java.util.Optional;

/** The gateway's error code of a response: the cf-aig-error-code header where errors carry it, else the envelope. */
public final class ErrorCodes {
    private ErrorCodes() {
    }

    public static int of(HttpResponse<String> r) throws Exception {
        Optional<String> header = r.headers().firstValue("cf-aig-error-code");
        if (header.isPresent()) {
            return Integer.parseInt(header.get());
        }
        return Json.MAPPER.readTree(r.body()).get("error").get(0).get("code").asInt();
    }
}
