package io.aigateway.config;

import java.util.function.LongSupplier;

/**
 * How many store reads per second this instance spends on keys it has never seen (a token bucket): a client that
 * sends thousands of random gateway ids or tokens costs at most {@code burst} reads at once and
 * {@code perSecond} a second after that, whatever it sends. Keys already in memory never draw on it.
 */
public final class LookupBudget {
    private final double perNano;
    private final double burst;
    private final LongSupplier nanoClock;
    private double available;
    private long last;

    public LookupBudget(double perSecond, int burst, LongSupplier nanoClock) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("perSecond and burst must be positive");
        }
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.available = burst;
        this.last = nanoClock.getAsLong();
    }

    /** Takes one read from the budget; false when it is spent (the caller must not read the store). */
    public synchronized boolean tryAcquire() {
        long now = nanoClock.getAsLong();
        available = Math.min(burst, available + Math.max(0, now - last) * perNano);
        last = now;
        if (available >= 1) {
            available -= 1;
            return true;
        }
        return false;
    }
}
