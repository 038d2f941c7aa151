package io.aigateway.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The durable journal of the local runtime, in {@code DIR/journal/}: append-only segment files of record lines and a
 * checkpoint.
 * <ul>
 *   <li>An append is one write(2) of the request's lines, done before its response is sent: {@code kill -9} loses
 *       nothing. The file is fsync'ed every second, so an OS crash loses at most the last second.</li>
 *   <li>The checkpoint holds the committed position and, while a batch is being applied, that batch's end. It is
 *       fsync'ed before a batch is handed out, so after any crash the same batch (same lines, same id) is applied
 *       again, which the ingest recognises.</li>
 *   <li>The backlog is bounded in bytes ({@code maxBacklogBytes}); at the bound appends wait (backpressure).</li>
 * </ul>
 */
public final class FileJournal implements RecordJournal {
    private static final long SEGMENT_BYTES = 64L * 1024 * 1024;
    private static final int READ_BYTES = 4 * 1024 * 1024;
    private static final int MAX_BATCH_LINES = 500;
    private static final String SUFFIX = ".jrn";

    private final Path dir;
    private final String journalId;
    private final long maxBacklogBytes;
    private final long maxWaitMillis;
    private final ScheduledExecutorService syncer;
    private final Object writeLock = new Object();
    private final Object readLock = new Object();

    // writer state (writeLock)
    private long writeSegment;
    private FileChannel writer;
    private volatile long writeSize;
    private volatile boolean dirty;
    private volatile long appendedTotal; // bytes appended since open, plus the backlog found at open

    // reader state (readLock)
    private long readSegment;
    private long readOffset;
    private long committedTotal;
    private Batch inFlight;
    private long replayEnd = -1; // a batch in flight when the process stopped: replay exactly it first

    public FileJournal(Path dataDir, long maxBacklogBytes, long maxWaitMillis) {
        this.dir = dataDir.resolve("journal");
        this.maxBacklogBytes = maxBacklogBytes;
        this.maxWaitMillis = maxWaitMillis;
        try {
            Files.createDirectories(dir);
            Path idFile = dir.resolve("id");
            if (!Files.exists(idFile)) {
                Files.writeString(idFile, UUID.randomUUID().toString().substring(0, 8));
            }
            this.journalId = Files.readString(idFile).trim();
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the journal in " + dir, e);
        }
        this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "journal-fsync");
            t.setDaemon(true);
            return t;
        });
        syncer.scheduleWithFixedDelay(this::sync, 1, 1, TimeUnit.SECONDS);
    }

    private void open() throws IOException {
        TreeSet<Long> segments = segments();
        long[] checkpoint = readCheckpoint();
        if (checkpoint != null) {
            readSegment = checkpoint[0];
            readOffset = checkpoint[1];
            replayEnd = checkpoint[2];
        } else {
            readSegment = segments.isEmpty() ? 0 : segments.first();
            readOffset = 0;
        }
        for (long s : segments.headSet(readSegment)) {
            Files.deleteIfExists(segment(s)); // fully committed before the last stop
        }
        writeSegment = Math.max(readSegment, segments.isEmpty() ? readSegment : segments.last());
        Path last = segment(writeSegment);
        writer = FileChannel.open(last, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = completeLinesLength(writer);
        writer.truncate(size); // a line cut short by an OS crash was never answered as recorded
        writer.position(size);
        writeSize = size;
        long backlog = 0;
        for (long s : segments.tailSet(readSegment)) {
            backlog += s == writeSegment ? size : Files.size(segment(s));
        }
        backlog -= readOffset;
        appendedTotal = Math.max(0, backlog);
        committedTotal = 0;
    }

    @Override
    public boolean append(byte[] lines, int lineCount) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (backlogBytes() > 0 && backlogBytes() + lines.length > maxBacklogBytes) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        synchronized (writeLock) {
            try {
                if (writeSize >= SEGMENT_BYTES) {
                    writer.force(false);
                    writer.close();
                    writeSegment++;
                    writer = FileChannel.open(segment(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    writeSize = 0;
                }
                ByteBuffer buffer = ByteBuffer.wrap(lines);
                while (buffer.hasRemaining()) {
                    writer.write(buffer);
                }
                writeSize += lines.length;
                appendedTotal += lines.length;
                dirty = true;
            } catch (IOException e) {
                return false;
            }
        }
        synchronized (readLock) {
            readLock.notifyAll();
        }
        return true;
    }

    @Override
    public Batch next(long waitMillis) throws InterruptedException {
        synchronized (readLock) {
            if (inFlight != null) {
                return inFlight;
            }
            long deadline = System.currentTimeMillis() + waitMillis;
            while (true) {
                Batch batch = read();
                if (batch != null) {
                    writeCheckpoint(readSegment, readOffset, batch.endPosition(), true);
                    inFlight = batch;
                    return batch;
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return null;
                }
                readLock.wait(Math.min(left, 50));
            }
        }
    }

    /** Complete lines from the committed position, within one segment. */
    private Batch read() {
        try {
            long limit;
            synchronized (writeLock) {
                limit = readSegment == writeSegment ? writeSize : Files.size(segment(readSegment));
            }
            if (readOffset >= limit) {
                if (readSegment < writeSegment) {
                    Files.deleteIfExists(segment(readSegment));
                    readSegment++;
                    readOffset = 0;
                    writeCheckpoint(readSegment, 0, -1, true);
                    return read();
                }
                return null;
            }
            long want = replayEnd > readOffset ? replayEnd - readOffset : Math.min(limit - readOffset, READ_BYTES);
            ByteBuffer buffer = ByteBuffer.allocate((int) want);
            try (FileChannel reader = FileChannel.open(segment(readSegment), StandardOpenOption.READ)) {
                while (buffer.hasRemaining() && reader.read(buffer, readOffset + buffer.position()) > 0) {
                    // keep reading
                }
            }
            byte[] bytes = buffer.array();
            int used = buffer.position();
            List<String> lines = new ArrayList<>();
            int start = 0;
            int end = 0;
            for (int i = 0; i < used && lines.size() < MAX_BATCH_LINES; i++) {
                if (bytes[i] == '\n') {
                    if (i > start) {
                        lines.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                    end = start;
                }
            }
            if (end == 0) {
                return null; // no complete line yet
            }
            replayEnd = -1;
            long endPosition = readOffset + end;
            return new Batch("jrn-" + journalId + "-" + readSegment + "-" + readOffset + "-" + endPosition, lines,
                    end, endPosition);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal", e);
        }
    }

    @Override
    public void commit(Batch batch) {
        synchronized (readLock) {
            if (inFlight != batch) {
                return;
            }
            inFlight = null;
            readOffset = batch.endPosition();
            committedTotal += batch.bytes();
            writeCheckpoint(readSegment, readOffset, -1, false);
        }
    }

    @Override
    public long backlogBytes() {
        return appendedTotal - committedTotal;
    }

    @Override
    public long capacityBytes() {
        return maxBacklogBytes;
    }

    @Override
    public long appendedBytes() {
        return appendedTotal;
    }

    private void sync() {
        if (!dirty) {
            return;
        }
        synchronized (writeLock) {
            try {
                dirty = false;
                writer.force(false);
            } catch (IOException ignored) {
                dirty = true; // tried again in a second
            }
        }
    }

    @Override
    public void close() {
        syncer.shutdownNow();
        synchronized (writeLock) {
            try {
                writer.force(false);
                writer.close();
            } catch (IOException ignored) {
                // the lines are in the page cache; nothing more to do on the way out
            }
        }
    }

    private Path segment(long n) {
        return dir.resolve(String.format("%020d", n) + SUFFIX);
    }

    private TreeSet<Long> segments() throws IOException {
        TreeSet<Long> found = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SUFFIX))
                    .forEach(n -> found.add(Long.parseLong(n.substring(0, n.length() - SUFFIX.length()))));
        }
        return found;
    }

    private long[] readCheckpoint() throws IOException {
        Path file = dir.resolve("checkpoint");
        if (!Files.exists(file)) {
            return null;
        }
        String[] parts = Files.readString(file).trim().split(" ");
        return new long[]{Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    }

    /** Written to a temporary file and renamed over the old one, so a crash leaves one or the other whole. */
    private void writeCheckpoint(long segment, long offset, long inFlightEnd, boolean durable) {
        Path tmp = dir.resolve("checkpoint.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((segment + " " + offset + " " + inFlightEnd + "\n").getBytes(StandardCharsets.US_ASCII)));
            if (durable) {
                ch.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal checkpoint", e);
        }
        try {
            Files.move(tmp, dir.resolve("checkpoint"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal checkpoint", e);
        }
    }

    /** The length of the file up to and including its last newline. */
    private static long completeLinesLength(FileChannel ch) throws IOException {
        long size = ch.size();
        long pos = size;
        ByteBuffer one = ByteBuffer.allocate(8192);
        while (pos > 0) {
            int n = (int) Math.min(8192, pos);
            one.clear().limit(n);
            ch.read(one, pos - n);
            for (int i = n - 1; i >= 0; i--) {
                if (one.get(i) == '\n') {
                    return pos - n + i + 1;
                }
            }
            pos -= n;
        }
        return 0;
    }
}
