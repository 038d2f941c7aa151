package io.aigateway.guard;

/** A BLOCK policy matched: thrown by a text filter, turned into error 2029/2030 (or an error event mid-stream). */
final class DlpBlock extends RuntimeException {
    DlpBlock(String message) {
        super(message, null, false, false);
    }
}
