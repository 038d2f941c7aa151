package io.aigateway.log;

import java.util.List;
import java.util.Map;

/**
 * One request's log record, as stored and as the admin API returns it (snake_case, Cloudflare's field names where
 * Cloudflare has one). Times in milliseconds; -1 where unknown; token counts null when the provider reported none
 * ({@code tokensCached}, {@code tokensCacheWrite} are parts of {@code tokensIn}, {@code tokensReasoning} a part of
 * {@code tokensOut});
 * cost in USD, null when the model's price is unknown (never a made-up 0).
 */
public record RequestLog(
        String id,
        long createdAt,
        String gateway,
        String provider,
        String model,
        String method,
        String path,
        int statusCode,
        boolean success,
        boolean cached,
        boolean stream,
        long duration,
        long timeToFirstByte,
        long upstreamDuration,
        Long tokensIn,
        Long tokensOut,
        Map<String, Object> metadata,
        String eventId,
        String userAgent,
        long requestSize,
        long responseSize,
        String requestHead,
        String responseHead,
        int attempts,
        Integer errorCode,
        String outcome,
        Integer step,
        List<Integer> failedSteps,
        String cacheNote,
        Double cost,
        Double costSaved,
        boolean costEstimated,
        Integer feedback,
        Double score,
        long expiresAt,
        Long tokensCached,
        Long tokensCacheWrite,
        Long tokensReasoning) {

    /** A log without the token details (cached, cache-write and reasoning tokens unknown). */
    public RequestLog(String id, long createdAt, String gateway, String provider, String model, String method,
                      String path, int statusCode, boolean success, boolean cached, boolean stream, long duration,
                      long timeToFirstByte, long upstreamDuration, Long tokensIn, Long tokensOut,
                      Map<String, Object> metadata, String eventId, String userAgent, long requestSize,
                      long responseSize, String requestHead, String responseHead, int attempts, Integer errorCode,
                      String outcome, Integer step, List<Integer> failedSteps, String cacheNote, Double cost,
                      Double costSaved, boolean costEstimated, Integer feedback, Double score, long expiresAt) {
        this(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream, duration,
                timeToFirstByte, upstreamDuration, tokensIn, tokensOut, metadata, eventId, userAgent, requestSize,
                responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps, cacheNote,
                cost, costSaved, costEstimated, feedback, score, expiresAt, null, null, null);
    }

    /** The same record with user feedback applied (PATCH .../logs/{id}). */
    public RequestLog withFeedback(Integer newFeedback, Double newScore, Map<String, Object> newMetadata) {
        return new RequestLog(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream,
                duration, timeToFirstByte, upstreamDuration, tokensIn, tokensOut, newMetadata, eventId, userAgent,
                requestSize, responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps,
                cacheNote, cost, costSaved, costEstimated, newFeedback, newScore, expiresAt, tokensCached,
                tokensCacheWrite, tokensReasoning);
    }
}
