package io.aigateway.pipeline;

/** When the request was received, went to the provider, sent its first byte back, and ended (System.nanoTime). */
public final class Timings {
    private final long receivedNanos;
    private long upstreamStartNanos;
    private long firstByteNanos;
    private long endNanos;

    Timings(long receivedNanos) {
        this.receivedNanos = receivedNanos;
    }

    /** The first provider call starts (retries and fallback steps keep the first start). */
    public void upstreamStarted() {
        if (upstreamStartNanos == 0) {
            upstreamStartNanos = System.nanoTime();
        }
    }

    public void firstByte() {
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }

    void end() {
        endNanos = System.nanoTime();
        if (firstByteNanos == 0) {
            firstByteNanos = endNanos;
        }
    }

    public boolean upstreamCalled() {
        return upstreamStartNanos != 0;
    }

    public long durationMillis() {
        return sinceReceived(endNanos);
    }

    public long timeToFirstByteMillis() {
        return sinceReceived(firstByteNanos);
    }

    /** From the first provider call to the end; -1 when the provider was never called. */
    public long upstreamMillis() {
        return upstreamStartNanos == 0 || endNanos == 0 ? -1 : (endNanos - upstreamStartNanos) / 1_000_000;
    }

    private long sinceReceived(long nanos) {
        return nanos == 0 ? -1 : Math.max(0, (nanos - receivedNanos) / 1_000_000);
    }
}
