package io.aigateway.server;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client's TCP connection, with the two duties Jetty leaves to the application:
 * <ul>
 *   <li><b>Header deadline.</b> Jetty's idle timeout restarts with every byte, so a client trickling its headers
 *       (slowloris) would hold the connection forever. Here a request's headers must be complete within the header
 *       timeout of their first byte (of the connection's opening, for the first request), else the connection is
 *       closed. An HTTP/2 connection is held to it only until its first request; its streams have their own
 *       idle timeout.</li>
 *   <li><b>Noticing a client that leaves while nothing is read or written.</b> On HTTP/1 Jetty reads a connection
 *       only when the handler reads the body or writes, so a client that disconnects while the gateway waits for the
 *       provider goes unnoticed until the answer is written (HTTP/2 reads all the time: a reset or close fails the
 *       request, see {@link org.eclipse.jetty.server.Request#addFailureListener}). {@link #watch} waits for the
 *       connection to become readable in that gap: end of stream or a reset means the client left. Bytes that arrive
 *       instead (a pipelined next request) are kept and handed back, first, by the next {@link #fill}, and the watch
 *       ends there; a client that half-closes its side counts as gone, as with nginx.</li>
 *   <li><b>Whole chunks.</b> Jetty sends the CRLF that ends a chunk of a chunked HTTP/1.1 body only with the next
 *       chunk (jetty/jetty.project#154), and clients that read a chunk to its CRLF before handing it over (urllib3,
 *       so boto3 and requests) would get each SSE event or event-stream frame only when the next one exists. While
 *       {@link #wholeChunks} is on, each chunk of data ({@link #chunkData}) goes out with its CRLF, and the one Jetty
 *       puts before the next chunk is dropped.</li>
 * </ul>
 */
final class GuardedEndPoint extends SocketChannelEndPoint {
    private static final CancellationException STOPPED = new CancellationException("watch stopped");

    private final Scheduler scheduler;
    private final Executor executor;
    private final long headerTimeoutMillis;

    private final Object lock = new Object();
    /** Between requests of an HTTP/1 connection (and before the first one of any): a header deadline applies. */
    private volatile boolean awaitingHeaders = true;
    private boolean multiplexed; // guarded by lock
    private Scheduler.Task headerDeadline; // guarded by lock
    private Watch watch; // guarded by lock
    /** Bytes read by a watch that belong to the connection (a pipelined request); {@link #fill} returns them first. */
    private volatile ByteBuffer unread;

    GuardedEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                    Executor executor, long headerTimeoutMillis) {
        super(channel, selector, key, scheduler);
        this.scheduler = scheduler;
        this.executor = executor;
        this.headerTimeoutMillis = headerTimeoutMillis;
        armHeaderDeadline();
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        ByteBuffer pending = unread;
        if (pending != null) {
            int n = BufferUtil.append(buffer, pending);
            if (!pending.hasRemaining()) {
                unread = null;
            }
            return n;
        }
        int n = super.fill(buffer);
        if (n > 0 && awaitingHeaders) {
            armHeaderDeadline();
        }
        return n;
    }

    @Override
    protected void needsFillInterest() {
        if (unread != null) {
            // what the connection wants to read is already here: no need to wait for the socket
            executor.execute(() -> getFillInterest().fillable());
        } else {
            super.needsFillInterest();
        }
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        synchronized (lock) { // a closed connection is not kept until its deadline
            awaitingHeaders = false;
            if (headerDeadline != null) {
                headerDeadline.cancel();
                headerDeadline = null;
            }
        }
    }

    // ---- whole chunks ----

    private static final byte[] CRLF = {'\r', '\n'};
    private volatile boolean wholeChunks;
    private volatile boolean checked;
    private volatile boolean crlfSent;
    private volatile ByteBuffer chunkData;

    /**
     * The handler streams a body of unknown length as the answer to this HTTP/1.1 request: complete each chunk (see
     * the class comment). Ends by itself with the body's last chunk, or at once if Jetty does not chunk this answer
     * (HTTP/1.0, {@code Connection: close}).
     */
    void wholeChunks(boolean on) {
        checked = false;
        crlfSent = false;
        chunkData = null;
        wholeChunks = on;
    }

    /** The buffer the handler is about to write as the next chunk's data. */
    void chunkData(ByteBuffer data) {
        chunkData = data;
    }

    @Override
    public void write(Callback callback, ByteBuffer... buffers) throws WritePendingException {
        super.write(callback, wholeChunks ? completeChunk(buffers) : buffers);
    }

    /** Jetty writes a chunk as {@code [CRLF] size CRLF} and then the data, in one gathering write. */
    private ByteBuffer[] completeChunk(ByteBuffer[] buffers) {
        if (buffers.length == 0) {
            return buffers;
        }
        if (!checked) { // the answer's first write carries its header
            checked = true;
            if (!announcesChunked(buffers[0])) {
                wholeChunks = false;
                return buffers;
            }
        }
        ByteBuffer first = buffers[0];
        ByteBuffer data = chunkData;
        if (crlfSent && first != data && startsWith(first, CRLF)) {
            first.position(first.position() + 2); // already sent, right after the data it ends
        }
        crlfSent = false;
        ByteBuffer last = buffers[buffers.length - 1];
        if (last == data && last.hasRemaining()) {
            ByteBuffer[] completed = java.util.Arrays.copyOf(buffers, buffers.length + 1);
            completed[buffers.length] = ByteBuffer.wrap(CRLF);
            crlfSent = true;
            chunkData = null;
            return completed;
        }
        if (first != data && startsWith(first, LAST_CHUNK)) {
            wholeChunks = false; // the body is complete
        }
        return buffers;
    }

    private static final byte[] LAST_CHUNK = {'0', '\r', '\n'};
    private static final byte[] CHUNKED = "\r\nTransfer-Encoding: chunked\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean announcesChunked(ByteBuffer header) {
        int from = header.position();
        int to = header.limit() - CHUNKED.length;
        outer:
        for (int i = from; i <= to; i++) {
            for (int j = 0; j < CHUNKED.length; j++) {
                if (header.get(i + j) != CHUNKED[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean startsWith(ByteBuffer buffer, byte[] prefix) {
        if (buffer.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buffer.get(buffer.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    // ---- header deadline ----

    /** A request's headers are complete (the handler runs): no deadline until it is answered (HTTP/1) or ever (HTTP/2). */
    void requestStarted(boolean http1) {
        if (http1) {
            wholeChunks(false); // the previous answer on this connection is complete
        }
        synchronized (lock) {
            awaitingHeaders = false;
            multiplexed |= !http1;
            if (headerDeadline != null) {
                headerDeadline.cancel();
                headerDeadline = null;
            }
        }
    }

    /** An HTTP/1 request was answered: the next one's headers get a deadline from their first byte. */
    void requestEnded() {
        synchronized (lock) {
            if (!multiplexed) {
                awaitingHeaders = true;
            }
        }
    }

    private void armHeaderDeadline() {
        synchronized (lock) {
            if (awaitingHeaders && headerDeadline == null) {
                headerDeadline = scheduler.schedule(this::headersLate, headerTimeoutMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void headersLate() {
        synchronized (lock) {
            headerDeadline = null;
            if (!awaitingHeaders) {
                return;
            }
        }
        close(new TimeoutException("request headers not complete within " + headerTimeoutMillis + " ms"));
    }

    // ---- noticing a client that leaves ----

    /**
     * Watches this HTTP/1 connection, whose request has been read in full, for the client leaving; runs
     * {@code onLeave} (on another thread) if it does. Call {@link #unwatch} before writing the response.
     *
     * @return false when the connection cannot be watched (someone else waits to read it)
     */
    boolean watch(Runnable onLeave) {
        Watch w = new Watch(onLeave);
        synchronized (lock) {
            if (watch != null || unread != null) {
                return false;
            }
            watch = w;
        }
        if (!tryFillInterested(w)) {
            synchronized (lock) {
                watch = null;
            }
            return false;
        }
        return true;
    }

    /** Ends the watch; returns once no watch callback runs any more, so the connection is Jetty's alone again. */
    void unwatch() {
        Watch w;
        synchronized (lock) {
            w = watch;
            watch = null;
        }
        if (w != null) {
            w.stop();
        }
    }

    private final class Watch implements Callback {
        private static final int WATCHING = 0;
        private static final int FIRING = 1;
        private static final int DONE = 2;

        private final Runnable onLeave;
        private int state = WATCHING; // guarded by this
        private boolean stopping; // guarded by this

        Watch(Runnable onLeave) {
            this.onLeave = onLeave;
        }

        /** The connection is readable: the client closed or reset it, or sent more bytes. */
        @Override
        public void succeeded() {
            synchronized (this) {
                if (state != WATCHING) {
                    return;
                }
                state = FIRING;
            }
            boolean left;
            try {
                ByteBuffer into = BufferUtil.allocate(4096);
                int n = GuardedEndPoint.super.fill(into);
                if (n == 0) { // nothing after all: watch on, unless being stopped (decided under the lock stop takes)
                    synchronized (this) {
                        if (!stopping) {
                            state = WATCHING;
                            if (tryFillInterested(this)) {
                                return;
                            }
                        }
                    }
                    done();
                    return;
                }
                left = n < 0;
                if (n > 0) {
                    unread = into;
                }
            } catch (IOException reset) {
                left = true;
            }
            done();
            if (left) {
                onLeave.run();
            }
        }

        /** The connection failed or closed while watched, or {@link #stop} took the interest back. */
        @Override
        public void failed(Throwable cause) {
            synchronized (this) {
                if (state != WATCHING) {
                    return;
                }
            }
            done();
            if (cause != STOPPED) {
                onLeave.run();
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.BLOCKING; // onLeave cancels a provider call
        }

        private void done() {
            synchronized (this) {
                state = DONE;
                notifyAll();
            }
        }

        void stop() {
            synchronized (this) {
                stopping = true;
                if (state == DONE) {
                    return;
                }
            }
            // still registered (or being handed to succeeded right now): take it back; fails only our own callback,
            // since nothing else reads this connection while its handler runs
            getFillInterest().onFail(STOPPED);
            boolean interrupted = false;
            synchronized (this) {
                while (state != DONE) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
