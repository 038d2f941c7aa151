package io.aigateway.server;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of request bodies the server holds in memory at once, across all its connections. A body reserves its
 * size before it is read (as it grows, when its length is not declared) and gives it back when its response is done;
 * a reservation that does not fit waits a moment for others to finish, then fails, and the request gets 503. A lock
 * and condition rather than {@code synchronized}: waiters are virtual threads.
 */
final class BodyBudget {
    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long used;
    private long peak;

    BodyBudget(long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** Reserves {@code bytes}, waiting up to {@code waitNanos} for room; false when it does not fit by then. */
    boolean reserve(long bytes, long waitNanos) throws InterruptedException {
        if (bytes <= 0) {
            return true;
        }
        if (bytes > limit) {
            return false; // never fits
        }
        lock.lock();
        try {
            long wait = waitNanos;
            while (used + bytes > limit) {
                if (wait <= 0) {
                    return false;
                }
                wait = released.awaitNanos(wait);
            }
            used += bytes;
            peak = Math.max(peak, used);
            return true;
        } finally {
            lock.unlock();
        }
    }

    void release(long bytes) {
        if (bytes <= 0) {
            return;
        }
        lock.lock();
        try {
            used -= bytes;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** The most ever reserved at once (for tests and diagnostics). */
    long peak() {
        lock.lock();
        try {
            return peak;
        } finally {
            lock.unlock();
        }
    }
}
