package io.aigateway.log;

import java.util.List;
import java.util.Map;

/**
 * One request's log record, as stored and as the admin API returns it (snake_case, Cloudflare's field names where
 * Cloudflare has one). Times in milliseconds; -1 where unknown; token counts null when the provider reported none.
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
        long expiresAt) {
}
