package io.aigateway.pipeline;

/** What the cache did for a request: nothing (not cacheable), a hit, or a miss, and why an answer was not stored. */
public final class CacheOutcome {
    public enum Status { HIT, MISS }

    private Status status;
    private String note;
    private Double originalCost;

    /** Null when the request was not cacheable. */
    public Status status() {
        return status;
    }

    public boolean hit() {
        return status == Status.HIT;
    }

    /** Answered from the cache; {@code originalCost} is what the stored answer's request cost (null: unknown). */
    public void markHit(Double originalCost) {
        this.status = Status.HIT;
        this.originalCost = originalCost;
    }

    public void markMiss() {
        this.status = Status.MISS;
    }

    /** Why a miss's answer was not stored (for example "too_large"), for the log. */
    public void notStored(String why) {
        this.note = why;
    }

    public String note() {
        return note;
    }

    /** On a hit: what the cached answer's original request cost, when the entry knows it. */
    public Double originalCost() {
        return originalCost;
    }

    /** A fallback step starts over: the previous step's outcome is not this one's. */
    void reset() {
        status = null;
        originalCost = null;
    }
}
