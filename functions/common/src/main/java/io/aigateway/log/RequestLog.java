package io.aigateway.log;

import java.util.List;
import java.util.Map;

/**
 * One request's log record, as stored and as the admin API returns it (snake_case, Cloudflare's field names where
 * Cloudflare has one). Times in milliseconds; -1 where unknown; token counts null when the provider reported none
 * ({@code tokensCached}, {@code tokensCacheWrite} are parts of {@code tokensIn}, {@code tokensReasoning} a part of
 * {@code tokensOut});
 * cost in USD, null when the model's price is unknown (never a made-up 0); {@code keyId} the virtual key that made
 * the request (its identity is in {@code metadata}), null without one. {@code dlpAction} is the most severe data protection action taken (FLAG, REDACT or
 * BLOCK; null: none), {@code dlpFindings} how many values of each type its policies matched (never the values;
 * empty when none).
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
        Long tokensReasoning,
        String blockedBy,
        Map<String, String> annotations,
        String requestedModel,
        String route,
        Integer routeVersion,
        List<String> routePath,
        String keyId,
        String dlpAction,
        Map<String, Integer> dlpFindings) {
    public RequestLog {
        annotations = annotations == null ? Map.of() : annotations;
        routePath = routePath == null ? List.of() : List.copyOf(routePath);
        dlpFindings = dlpFindings == null ? Map.of() : Map.copyOf(dlpFindings);
    }

    /** A log without data protection fields (records written before they existed read this way). */
    public RequestLog(String id, long createdAt, String gateway, String provider, String model, String method,
                      String path, int statusCode, boolean success, boolean cached, boolean stream, long duration,
                      long timeToFirstByte, long upstreamDuration, Long tokensIn, Long tokensOut,
                      Map<String, Object> metadata, String eventId, String userAgent, long requestSize,
                      long responseSize, String requestHead, String responseHead, int attempts, Integer errorCode,
                      String outcome, Integer step, List<Integer> failedSteps, String cacheNote, Double cost,
                      Double costSaved, boolean costEstimated, Integer feedback, Double score, long expiresAt,
                      Long tokensCached, Long tokensCacheWrite, Long tokensReasoning, String blockedBy,
                      Map<String, String> annotations, String requestedModel, String route, Integer routeVersion,
                      List<String> routePath, String keyId) {
        this(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream, duration,
                timeToFirstByte, upstreamDuration, tokensIn, tokensOut, metadata, eventId, userAgent, requestSize,
                responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps, cacheNote,
                cost, costSaved, costEstimated, feedback, score, expiresAt, tokensCached, tokensCacheWrite,
                tokensReasoning, blockedBy, annotations, requestedModel, route, routeVersion, routePath, keyId, null,
                Map.of());
    }

    /** A log without the OpenAI-compatible endpoint's fields (no requested model, no dynamic route). */
    public RequestLog(String id, long createdAt, String gateway, String provider, String model, String method,
                      String path, int statusCode, boolean success, boolean cached, boolean stream, long duration,
                      long timeToFirstByte, long upstreamDuration, Long tokensIn, Long tokensOut,
                      Map<String, Object> metadata, String eventId, String userAgent, long requestSize,
                      long responseSize, String requestHead, String responseHead, int attempts, Integer errorCode,
                      String outcome, Integer step, List<Integer> failedSteps, String cacheNote, Double cost,
                      Double costSaved, boolean costEstimated, Integer feedback, Double score, long expiresAt,
                      Long tokensCached, Long tokensCacheWrite, Long tokensReasoning, String blockedBy,
                      Map<String, String> annotations) {
        this(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream, duration,
                timeToFirstByte, upstreamDuration, tokensIn, tokensOut, metadata, eventId, userAgent, requestSize,
                responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps, cacheNote,
                cost, costSaved, costEstimated, feedback, score, expiresAt, tokensCached, tokensCacheWrite,
                tokensReasoning, blockedBy, annotations, null, null, null, List.of(), null, null, Map.of());
    }


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
                cost, costSaved, costEstimated, feedback, score, expiresAt, null, null, null, null, Map.of(), null,
                null, null, List.of(), null, null, Map.of());
    }

    /** The same record with user feedback applied (PATCH .../logs/{id}). */
    public RequestLog withFeedback(Integer newFeedback, Double newScore, Map<String, Object> newMetadata) {
        return new RequestLog(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream,
                duration, timeToFirstByte, upstreamDuration, tokensIn, tokensOut, newMetadata, eventId, userAgent,
                requestSize, responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps,
                cacheNote, cost, costSaved, costEstimated, newFeedback, newScore, expiresAt, tokensCached,
                tokensCacheWrite, tokensReasoning, blockedBy, annotations, requestedModel, route, routeVersion,
                routePath, keyId, dlpAction, dlpFindings);
    }

    /** An empty builder: name each field, so adding one never shifts the others. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a log field by field (the record has too many components to pass by position). */
    public static final class Builder {
        private String id;
        private long createdAt;
        private String gateway;
        private String provider;
        private String model;
        private String method;
        private String path;
        private int statusCode;
        private boolean success;
        private boolean cached;
        private boolean stream;
        private long duration;
        private long timeToFirstByte;
        private long upstreamDuration;
        private Long tokensIn;
        private Long tokensOut;
        private Map<String, Object> metadata = Map.of();
        private String eventId;
        private String userAgent;
        private long requestSize;
        private long responseSize;
        private String requestHead;
        private String responseHead;
        private int attempts;
        private Integer errorCode;
        private String outcome;
        private Integer step;
        private List<Integer> failedSteps = List.of();
        private String cacheNote;
        private Double cost;
        private Double costSaved;
        private boolean costEstimated;
        private Integer feedback;
        private Double score;
        private long expiresAt;
        private Long tokensCached;
        private Long tokensCacheWrite;
        private Long tokensReasoning;
        private String blockedBy;
        private Map<String, String> annotations = Map.of();
        private String requestedModel;
        private String dlpAction;
        private Map<String, Integer> dlpFindings = Map.of();
        private String route;
        private Integer routeVersion;
        private List<String> routePath = List.of();
        private String keyId;

        private Builder() {
        }

        public Builder id(String value) {
            this.id = value;
            return this;
        }

        public Builder createdAt(long value) {
            this.createdAt = value;
            return this;
        }

        public Builder gateway(String value) {
            this.gateway = value;
            return this;
        }

        public Builder provider(String value) {
            this.provider = value;
            return this;
        }

        public Builder model(String value) {
            this.model = value;
            return this;
        }

        public Builder method(String value) {
            this.method = value;
            return this;
        }

        public Builder path(String value) {
            this.path = value;
            return this;
        }

        public Builder statusCode(int value) {
            this.statusCode = value;
            return this;
        }

        public Builder success(boolean value) {
            this.success = value;
            return this;
        }

        public Builder cached(boolean value) {
            this.cached = value;
            return this;
        }

        public Builder stream(boolean value) {
            this.stream = value;
            return this;
        }

        public Builder duration(long value) {
            this.duration = value;
            return this;
        }

        public Builder timeToFirstByte(long value) {
            this.timeToFirstByte = value;
            return this;
        }

        public Builder upstreamDuration(long value) {
            this.upstreamDuration = value;
            return this;
        }

        public Builder tokensIn(Long value) {
            this.tokensIn = value;
            return this;
        }

        public Builder tokensOut(Long value) {
            this.tokensOut = value;
            return this;
        }

        public Builder metadata(Map<String, Object> value) {
            this.metadata = value;
            return this;
        }

        public Builder eventId(String value) {
            this.eventId = value;
            return this;
        }

        public Builder userAgent(String value) {
            this.userAgent = value;
            return this;
        }

        public Builder requestSize(long value) {
            this.requestSize = value;
            return this;
        }

        public Builder responseSize(long value) {
            this.responseSize = value;
            return this;
        }

        public Builder requestHead(String value) {
            this.requestHead = value;
            return this;
        }

        public Builder responseHead(String value) {
            this.responseHead = value;
            return this;
        }

        public Builder attempts(int value) {
            this.attempts = value;
            return this;
        }

        public Builder errorCode(Integer value) {
            this.errorCode = value;
            return this;
        }

        public Builder outcome(String value) {
            this.outcome = value;
            return this;
        }

        public Builder step(Integer value) {
            this.step = value;
            return this;
        }

        public Builder failedSteps(List<Integer> value) {
            this.failedSteps = value;
            return this;
        }

        public Builder cacheNote(String value) {
            this.cacheNote = value;
            return this;
        }

        public Builder cost(Double value) {
            this.cost = value;
            return this;
        }

        public Builder costSaved(Double value) {
            this.costSaved = value;
            return this;
        }

        public Builder costEstimated(boolean value) {
            this.costEstimated = value;
            return this;
        }

        public Builder feedback(Integer value) {
            this.feedback = value;
            return this;
        }

        public Builder score(Double value) {
            this.score = value;
            return this;
        }

        public Builder expiresAt(long value) {
            this.expiresAt = value;
            return this;
        }

        public Builder tokensCached(Long value) {
            this.tokensCached = value;
            return this;
        }

        public Builder tokensCacheWrite(Long value) {
            this.tokensCacheWrite = value;
            return this;
        }

        public Builder tokensReasoning(Long value) {
            this.tokensReasoning = value;
            return this;
        }

        public Builder blockedBy(String value) {
            this.blockedBy = value;
            return this;
        }

        public Builder annotations(Map<String, String> value) {
            this.annotations = value;
            return this;
        }

        /** The {@code model} a /compat request named (an alias, {@code dynamic/{route}} or {@code provider/model}). */
        public Builder requestedModel(String value) {
            this.requestedModel = value;
            return this;
        }

        /** The dynamic route the request ran, its version, and the element ids it went through. */
        public Builder route(String name, Integer version, List<String> path) {
            this.route = name;
            this.routeVersion = version;
            this.routePath = path;
            return this;
        }

        /** The virtual key that made the request (its identity is in the metadata); null without one. */
        public Builder keyId(String value) {
            this.keyId = value;
            return this;
        }

        public Builder dlpAction(String value) {
            this.dlpAction = value;
            return this;
        }

        public Builder dlpFindings(Map<String, Integer> value) {
            this.dlpFindings = value;
            return this;
        }

        public RequestLog build() {
            return new RequestLog(id, createdAt, gateway, provider, model, method, path, statusCode, success, cached, stream, duration, timeToFirstByte, upstreamDuration, tokensIn, tokensOut, metadata, eventId, userAgent, requestSize, responseSize, requestHead, responseHead, attempts, errorCode, outcome, step, failedSteps, cacheNote, cost, costSaved, costEstimated, feedback, score, expiresAt, tokensCached, tokensCacheWrite, tokensReasoning, blockedBy, annotations, requestedModel, route, routeVersion, routePath, keyId, dlpAction, dlpFindings);
        }
    }
}
