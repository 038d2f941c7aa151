package io.aigateway.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * The body an error the gateway itself makes takes on a provider route: that provider's own error shape, so each
 * official SDK raises its own typed error (OpenAI's RateLimitError, Anthropic's, google-genai's APIError with
 * status and message, botocore's ThrottlingException that its retry modes retry) with our message and
 * Retry-After. The Cloudflare code stays visible: the {@code cf-aig-error-code} header on every error, and a field
 * in each body. Routes without a provider (universal endpoint, admin API) keep Cloudflare's envelope.
 */
public enum ErrorShape {
    CLOUDFLARE, OPENAI, ANTHROPIC, GOOGLE, BEDROCK;

    public static final String CODE_HEADER = "cf-aig-error-code";

    private static final Set<String> OPENAI_COMPATIBLE = Set.of("openai", "azure-openai", "groq", "mistral",
            "deepseek", "openrouter", "perplexity-ai", "grok", "cerebras", "workers-ai", "huggingface",
            "compat"); // the OpenAI-compatible endpoint answers in OpenAI's shape whatever provider it reaches

    /** The shape for a provider slug (null or unknown: Cloudflare's). */
    public static ErrorShape forProvider(String slug) {
        if (slug == null) {
            return CLOUDFLARE;
        }
        if (OPENAI_COMPATIBLE.contains(slug)) {
            return OPENAI;
        }
        return switch (slug) {
            case "anthropic" -> ANTHROPIC;
            case "google-ai-studio", "google-vertex-ai" -> GOOGLE;
            case "aws-bedrock" -> BEDROCK;
            default -> CLOUDFLARE;
        };
    }

    public GatewayResponse response(GatewayException e) {
        ErrorCode code = e.code();
        Headers.Builder headers = e.extraHeaders().toBuilder()
                .set("content-type", "application/json")
                .set(CODE_HEADER, Integer.toString(code.code()));
        if (this == BEDROCK) {
            headers.set("x-amzn-ErrorType", bedrockType(code.status()));
        }
        byte[] body = this == CLOUDFLARE ? Errors.body(code, e.getMessage()) : body(code, e.getMessage());
        return GatewayResponse.of(code.status(), headers.build(), new ResponseBody.Bytes(body));
    }

    private byte[] body(ErrorCode code, String message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        int status = code.status();
        switch (this) {
            case OPENAI -> {
                ObjectNode error = root.putObject("error");
                error.put("message", message);
                error.put("type", anthropicOrOpenAiType(status));
                error.putNull("param");
                error.put("code", Integer.toString(code.code()));
            }
            case ANTHROPIC -> {
                root.put("type", "error");
                ObjectNode error = root.putObject("error");
                error.put("type", anthropicOrOpenAiType(status));
                error.put("message", message);
                error.put("cf_aig_error_code", code.code());
            }
            case GOOGLE -> {
                ObjectNode error = root.putObject("error");
                error.put("code", status);
                error.put("message", message);
                error.put("status", googleStatus(status));
                ObjectNode info = error.putArray("details").addObject();
                info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
                info.put("reason", "CF_AIG_" + code.code());
                info.put("domain", "ai-gateway");
                info.putObject("metadata").put("cf_aig_error_code", Integer.toString(code.code()));
            }
            case BEDROCK -> {
                root.put("message", message);
                root.put("cf_aig_error_code", code.code());
            }
            case CLOUDFLARE -> throw new IllegalStateException("Cloudflare's envelope is Errors.body");
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String anthropicOrOpenAiType(int status) {
        return switch (status) {
            case 400, 413 -> status == 413 ? "request_too_large" : "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            default -> "api_error";
        };
    }

    private static String googleStatus(int status) {
        return switch (status) {
            case 400, 413 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503, 502 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        };
    }

    private static String bedrockType(int status) {
        return switch (status) {
            case 400, 413 -> "ValidationException";
            case 401, 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 429 -> "ThrottlingException";
            case 502, 503 -> "ServiceUnavailableException";
            case 504 -> "ModelTimeoutException";
            default -> "InternalServerException";
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
