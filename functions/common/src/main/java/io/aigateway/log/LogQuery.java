package io.aigateway.log;

/**
 * A listing (or deletion) request: newest first, at most {@code limit}, older than {@code beforeId} (the cursor),
 * within [{@code fromMillis}, {@code toMillis}], matching every filter that is set.
 */
public record LogQuery(String gateway, int limit, String beforeId, long fromMillis, long toMillis, Filters filters) {

    /** Every filter is optional (null = any). Ranges are inclusive. */
    public record Filters(
            String provider,
            String model,
            Integer statusCode,
            Boolean success,
            Boolean cached,
            Integer feedback,
            String eventId,
            String metadataKey,
            String metadataValue,
            Double minCost,
            Double maxCost,
            Long minDuration,
            Long maxDuration,
            Long minTokensIn,
            Long maxTokensIn,
            Long minTokensOut,
            Long maxTokensOut,
            String keyId,
            String dlpAction) {

        public static final Filters NONE = new Filters(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null);

        /** Without the data protection filter. */
        public Filters(String provider, String model, Integer statusCode, Boolean success, Boolean cached,
                       Integer feedback, String eventId, String metadataKey, String metadataValue, Double minCost,
                       Double maxCost, Long minDuration, Long maxDuration, Long minTokensIn, Long maxTokensIn,
                       Long minTokensOut, Long maxTokensOut, String keyId) {
            this(provider, model, statusCode, success, cached, feedback, eventId, metadataKey, metadataValue, minCost,
                    maxCost, minDuration, maxDuration, minTokensIn, maxTokensIn, minTokensOut, maxTokensOut, keyId, null);
        }

        public static Filters of(String provider, String model, Integer statusCode, Boolean success) {
            return new Filters(provider, model, statusCode, success, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null);
        }
    }

    public LogQuery(String gateway, int limit, String beforeId, long fromMillis, long toMillis, String provider,
                    String model, Integer statusCode, Boolean success) {
        this(gateway, limit, beforeId, fromMillis, toMillis, Filters.of(provider, model, statusCode, success));
    }

    public LogQuery after(String cursor) {
        return new LogQuery(gateway, limit, cursor, fromMillis, toMillis, filters);
    }
}
