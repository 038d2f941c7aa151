package io.aigateway.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a transport that can tell when its client disconnects (the HTTP server) lets the pipeline stop work for a
 * client who left: it opens a link per request and runs {@code Gateway.handle} inside {@link #during}, so every
 * {@link RequestContext} made for that request on that thread holds the link; when the client leaves, the transport
 * calls {@link #left()}, which runs the stop actions registered through {@link RequestContext#onClientLeaving} (the
 * upstream call's cancel). A transport without one (the buffered Lambda handler) changes nothing.
 */
public final class ClientLink {
    private static final ThreadLocal<ClientLink> OPEN = new ThreadLocal<>();

    private final CountDownLatch left = new CountDownLatch(1);
    private final List<Runnable> onLeave = new ArrayList<>(1); // guarded by this

    /** The link open on this thread (a request being handled by a transport that has one), else null. */
    static ClientLink current() {
        return OPEN.get();
    }

    /** Runs {@code work} (the gateway's handling of one request) with this link open on the current thread. */
    public <T> T during(Supplier<T> work) {
        ClientLink outer = OPEN.get();
        OPEN.set(this);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                OPEN.remove();
            } else {
                OPEN.set(outer);
            }
        }
    }

    /** The client disconnected: runs every registered stop action, once. Any thread; idempotent. */
    public void left() {
        List<Runnable> actions;
        synchronized (this) {
            if (left.getCount() == 0) {
                return;
            }
            left.countDown();
            actions = List.copyOf(onLeave);
            onLeave.clear();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ClientLink.class).warn("stopping work for a client that left failed", e);
            }
        }
    }

    public boolean hasLeft() {
        return left.getCount() == 0;
    }

    Runnable onLeave(Runnable action) {
        synchronized (this) {
            if (left.getCount() != 0) {
                onLeave.add(action);
                return () -> {
                    synchronized (this) {
                        onLeave.remove(action);
                    }
                };
            }
        }
        action.run();
        return () -> { };
    }

    boolean awaitLeave(long millis) throws InterruptedException {
        return left.await(millis, TimeUnit.MILLISECONDS);
    }
}
