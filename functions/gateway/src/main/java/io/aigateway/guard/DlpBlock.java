package io.aigateway.guard;

import io.aigateway.core.ErrorCode;

/**
 * A BLOCK policy matched: thrown by a text filter, turned into error 2029/2030 (or an error event mid-stream), or
 * 2017 when only a guardrail engine's assessment blocked (Cloudflare answers its Guardrails' blocks with 2016/2017).
 */
final class DlpBlock extends RuntimeException {
    private final boolean byGuardrail;

    DlpBlock(String message) {
        this(message, false);
    }

    DlpBlock(String message, boolean byGuardrail) {
        super(message, null, false, false);
        this.byGuardrail = byGuardrail;
    }

    /** The same block, known to come from a guardrail engine's assessment alone. */
    DlpBlock byGuardrail() {
        return new DlpBlock(getMessage(), true);
    }

    ErrorCode code() {
        return byGuardrail ? ErrorCode.GUARDRAIL_RESPONSE_BLOCKED : ErrorCode.DLP_RESPONSE_BLOCKED;
    }
}
