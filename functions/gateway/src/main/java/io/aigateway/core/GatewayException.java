package io.aigateway.core;

/** A request the gateway refuses or cannot serve; becomes the JSON error of the contract. */
public final class GatewayException extends RuntimeException {
    private final ErrorCode code;
    private final Headers extraHeaders;

    public GatewayException(ErrorCode code, String message) {
        this(code, message, Headers.empty(), null);
    }

    public GatewayException(ErrorCode code, String message, Throwable cause) {
        this(code, message, Headers.empty(), cause);
    }

    public GatewayException(ErrorCode code, String message, Headers extraHeaders, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
        this.extraHeaders = extraHeaders;
    }

    public ErrorCode code() {
        return code;
    }

    public Headers extraHeaders() {
        return extraHeaders;
    }
}
