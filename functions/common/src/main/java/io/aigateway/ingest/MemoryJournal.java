package io.aigateway.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code --in-memory} journal: a queue bounded in bytes. When the store is slower than the traffic, appends
 * wait (backpressure on the requests) instead of growing the heap or dropping records; an append that waited
 * {@code maxWaitMillis} in vain is refused and counted lost by the caller.
 */
public final class MemoryJournal implements RecordJournal {
    private static final int MAX_BATCH_LINES = 500;

    private final long maxBytes;
    private final long maxWaitMillis;
    private final String prefix = "mem-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<byte[]> entries = new ArrayDeque<>();
    private long bytes; // queued plus in flight
    private volatile long appended;
    private long sequence;
    private Batch inFlight;

    public MemoryJournal(long maxBytes, long maxWaitMillis) {
        this.maxBytes = maxBytes;
        this.maxWaitMillis = maxWaitMillis;
    }

    @Override
    public boolean append(byte[] lines, int lineCount) {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
            // one oversize entry is let through an empty queue, or it could never be taken
            while (bytes > 0 && bytes + lines.length > maxBytes) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = notFull.awaitNanos(nanos);
            }
            entries.add(lines);
            bytes += lines.length;
            appended += lines.length; // under the lock: one writer at a time
            notEmpty.signal();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Batch next(long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            if (inFlight != null) {
                return inFlight;
            }
            long nanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (entries.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            List<String> lines = new ArrayList<>();
            long taken = 0;
            while (!entries.isEmpty() && lines.size() < MAX_BATCH_LINES) {
                byte[] entry = entries.poll();
                taken += entry.length;
                for (String line : new String(entry, StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isEmpty()) {
                        lines.add(line);
                    }
                }
            }
            inFlight = new Batch(prefix + sequence++, lines, taken, 0);
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void commit(Batch batch) {
        lock.lock();
        try {
            if (inFlight == batch) {
                inFlight = null;
                bytes -= batch.bytes();
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long capacityBytes() {
        return maxBytes;
    }

    @Override
    public long appendedBytes() {
        return appended;
    }

    @Override
    public long backlogBytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Lines still queued: what closing would lose. */
    public long pendingLines() {
        lock.lock();
        try {
            long n = inFlight == null ? 0 : inFlight.lines().size();
            for (byte[] e : entries) {
                for (byte b : e) {
                    if (b == '\n') {
                        n++;
                    }
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        // nothing to release; what is still queued is reported by pendingLines()
    }
}
