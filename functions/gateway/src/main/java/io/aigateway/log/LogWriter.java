package io.aigateway.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gets request logs into the store without a client ever waiting for it.
 * <ul>
 *   <li>{@link Mode#DIRECT} (Lambda): one PutItem per request, started at once on a background thread so it
 *       overlaps the rest of the response work; the transport joins the future before returning.</li>
 *   <li>{@link Mode#BATCHED} (HTTP server): records queue up and a few writer loops send them in BatchWriteItem
 *       calls of up to 25, so a busy gateway makes one store call per 25 requests. The queue is bounded: when the
 *       store cannot keep up, a record is dropped and counted rather than growing the heap without limit.</li>
 * </ul>
 */
public final class LogWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
    private static final int BATCH = 12; // a log and its bodies are two items; BatchWriteItem takes 25
    private static final int QUEUE = 50_000;
    private static final int WRITERS = 4;

    public enum Mode { DIRECT, BATCHED }

    private record Pending(LogStore.Entry entry, CompletableFuture<Boolean> written) {
    }

    private final LogStore store;
    private final io.aigateway.analytics.Rollups rollups;
    private final ExecutorService executor;
    private final Mode mode;
    private final BlockingQueue<Pending> queue;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicLong lastDropWarning = new java.util.concurrent.atomic.AtomicLong();

    /** @param rollups analytics counters updated with every record written; null when analytics are off */
    public LogWriter(LogStore store, io.aigateway.analytics.Rollups rollups, ExecutorService executor, Mode mode) {
        this.store = store;
        this.rollups = rollups;
        this.executor = executor;
        this.mode = mode;
        this.queue = mode == Mode.BATCHED ? new ArrayBlockingQueue<>(QUEUE) : null;
        if (mode == Mode.BATCHED) {
            for (int i = 0; i < WRITERS; i++) {
                executor.execute(this::drainLoop);
            }
        }
    }

    /** Completes with true once the record is stored, false when it was dropped or the store failed. */
    public CompletableFuture<Boolean> submit(RequestLog log, LogPayload payload) {
        if (mode == Mode.DIRECT) {
            // the log and its rollup counters are written side by side
            CompletableFuture<Boolean> counted = rollups == null ? CompletableFuture.completedFuture(true)
                    : CompletableFuture.supplyAsync(() -> rollup(List.of(log)), executor);
            CompletableFuture<Boolean> stored = CompletableFuture.supplyAsync(() -> {
                try {
                    store.write(log, payload);
                    return true;
                } catch (RuntimeException e) {
                    LOG.warn("request log {} not written: {}", log.id(), e.getClass().getSimpleName());
                    return false;
                }
            }, executor);
            return stored.thenCombine(counted, (a, b) -> a && b);
        }
        CompletableFuture<Boolean> written = new CompletableFuture<>();
        if (closed || !queue.offer(new Pending(new LogStore.Entry(log, payload), written))) {
            dropped.increment();
            long now = System.nanoTime();
            long last = lastDropWarning.get();
            if (now - last > TimeUnit.SECONDS.toNanos(10) && lastDropWarning.compareAndSet(last, now)) {
                LOG.warn("request log queue full ({} queued): the store is slower than the traffic; {} logs dropped so far",
                        QUEUE, dropped.sum());
            }
            written.complete(false);
        }
        return written;
    }

    private void drainLoop() {
        List<Pending> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                inFlight.incrementAndGet();
                Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    inFlight.decrementAndGet();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                List<LogStore.Entry> logs = new ArrayList<>(batch.size());
                batch.forEach(p -> logs.add(p.entry()));
                boolean ok;
                try {
                    store.writeBatch(logs);
                    ok = true;
                } catch (RuntimeException e) {
                    LOG.warn("{} request logs not written: {}", logs.size(), e.getClass().getSimpleName());
                    ok = false;
                }
                if (rollups != null) {
                    ok &= rollup(logs.stream().map(LogStore.Entry::log).toList());
                }
                for (Pending p : batch) {
                    p.written().complete(ok);
                }
                batch.clear();
                inFlight.decrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Records dropped because the queue was full (HTTP transport only), since start. */
    public long droppedCount() {
        return dropped.sum();
    }

    /** Records waiting to be written. */
    public int queued() {
        return queue == null ? 0 : queue.size();
    }

    private boolean rollup(List<RequestLog> logs) {
        try {
            rollups.add(logs);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("analytics counters of {} requests not updated: {}", logs.size(), e.getClass().getSimpleName());
            return false;
        }
    }

    /** Stops accepting records and gives the writers a moment to flush what is queued. */
    @Override
    public void close() {
        closed = true;
        if (queue != null) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while ((!queue.isEmpty() || inFlight.get() > 0) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
