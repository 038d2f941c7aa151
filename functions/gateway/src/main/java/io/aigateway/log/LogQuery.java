package io.aigateway.log;

/**
 * A listing request: newest first, at most {@code limit}, older than {@code beforeId} (the cursor), within
 * [{@code fromMillis}, {@code toMillis}], matching every filter that is not null.
 */
public record LogQuery(
        String gateway,
        int limit,
        String beforeId,
        long fromMillis,
        long toMillis,
        String provider,
        String model,
        Integer statusCode,
        Boolean success) {
}
