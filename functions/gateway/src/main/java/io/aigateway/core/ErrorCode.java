package io.aigateway.core;

/**
 * Stable machine-readable error codes of the public contract (listed in the README's Errors table). Never renumber one;
 * 2016/2017 and 2029/2030 stay free for guardrails and DLP, as on Cloudflare.
 */
public enum ErrorCode {
    ROUTE_NOT_FOUND(2001, 404),
    BAD_PATH(2002, 400),
    UNKNOWN_PROVIDER(2003, 400),
    PATH_TRAVERSAL(2004, 400),
    BAD_HEADER(2005, 400),
    BODY_TOO_LARGE(2006, 413),
    GATEWAY_UNAUTHORIZED(2007, 401),
    ADMIN_UNAUTHORIZED(2008, 401),
    RATE_LIMITED(2009, 429),
    UPSTREAM_UNREACHABLE(2010, 502),
    UPSTREAM_TIMEOUT(2011, 504),
    LOG_NOT_FOUND(2012, 404),
    GATEWAY_NOT_FOUND(2013, 404),
    METHOD_NOT_ALLOWED(2014, 405),
    BAD_REQUEST(2015, 400),
    /** A guardrail engine (Bedrock Guardrails) and nothing else blocked the request (Cloudflare's Guardrails code). */
    GUARDRAIL_REQUEST_BLOCKED(2016, 424),
    /** A guardrail engine and nothing else blocked the response (Cloudflare's Guardrails code). */
    GUARDRAIL_RESPONSE_BLOCKED(2017, 424),
    BAD_ACCOUNT(2018, 404),
    /** DLP: a policy with action BLOCK matched the request (Cloudflare's code). */
    DLP_REQUEST_BLOCKED(2029, 400),
    /** DLP: a policy with action BLOCK matched the response (Cloudflare's code). */
    DLP_RESPONSE_BLOCKED(2030, 400),
    SETTINGS_UNAVAILABLE(2040, 503),
    NUMBER_OUT_OF_RANGE(2041, 400),
    ANSWER_TOO_LARGE(2042, 502),
    PLUGIN_BLOCKED(2043, 403),
    KEY_NOT_ALLOWED(2044, 403),
    KEY_EXPIRED(2045, 401),
    SPEND_LIMITED(2046, 429),
    TOKEN_LIMITED(2047, 429),
    COMPAT_UNSUPPORTED(2048, 400),
    ROUTE_INVALID(2049, 400),
    /** The HTTP server transport holds too many request bodies at once (GATEWAY_MAX_INFLIGHT_BODY_MB). */
    REQUEST_BODIES_FULL(2050, 503),
    INTERNAL(2500, 500);

    private final int code;
    private final int status;

    ErrorCode(int code, int status) {
        this.code = code;
        this.status = status;
    }

    public int code() {
        return code;
    }

    public int status() {
        return status;
    }
}
