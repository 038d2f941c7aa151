package io.aigateway.ingest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's pacing: while records keep arriving, storing keeps to its share of the time (the rest stays in the
 * journal); it catches up once arrivals stop, and past half the journal's capacity it drains at full speed.
 */
class JournalDrainPacingTest {
    private static final byte[] LINE = ("{\"record\":\"" + "x".repeat(300) + "\"}\n").getBytes(StandardCharsets.UTF_8);

    /**
     * Appends a record about every millisecond for 1.5 s to a drain whose store costs 1 ms per record; returns how
     * many records were stored by the time the arrivals stopped, after checking that every record is stored once they
     * have.
     */
    private static int storedWhileRecordsArrive(double busyShare, long capacityBytes) throws Exception {
        MemoryJournal journal = new MemoryJournal(capacityBytes, 5_000);
        AtomicInteger stored = new AtomicInteger();
        JournalDrain drain = new JournalDrain(journal, (id, lines) -> {
            sleep(lines.size());
            stored.addAndGet(lines.size());
        }, new IngestStats(), busyShare);
        int appended = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
        while (System.nanoTime() < end) {
            assertTrue(journal.append(LINE, 1), "pacing never makes an append wait");
            appended++;
            sleep(1);
        }
        int duringLoad = stored.get();
        assertTrue(drain.awaitDrained(30_000), "everything is stored once arrivals stop");
        assertEquals(appended, stored.get());
        drain.close();
        journal.close();
        return duringLoad;
    }

    @Test
    void whileRecordsArriveStoringKeepsToItsShareOfTheTime() {
        long ms = 1_000_000;
        assertEquals(30 * ms, JournalDrain.pauseNanos(0.25, 10 * ms, true, 1_000, 1_000_000));
        assertEquals(10 * ms, JournalDrain.pauseNanos(0.5, 10 * ms, true, 1_000, 1_000_000));
        assertEquals(1_000 * ms, JournalDrain.pauseNanos(0.25, 900 * ms, true, 1_000, 1_000_000), "at most a second");
    }

    @Test
    void noPauseWhenTrafficStoppedUnpacedOrPastHalfTheCapacity() {
        long ms = 1_000_000;
        assertEquals(0, JournalDrain.pauseNanos(0.25, 10 * ms, false, 1_000, 1_000_000), "nothing arrived: catch up");
        assertEquals(0, JournalDrain.pauseNanos(1.0, 10 * ms, true, 1_000, 1_000_000), "unpaced");
        assertEquals(0, JournalDrain.pauseNanos(0.25, 10 * ms, true, 500_001, 1_000_000), "past half the capacity");
        assertEquals(30 * ms, JournalDrain.pauseNanos(0.25, 10 * ms, true, 500_000, 1_000_000));
    }

    @Test
    void aPacedDrainStoresEverythingOnceArrivalsStop() throws Exception {
        int duringLoad = storedWhileRecordsArrive(0.25, 64L << 20);
        assertTrue(duringLoad > 0, "paced, not stopped: some records are stored while others arrive");
    }

    @Test
    void aShareOutsideZeroToOneIsRefused() {
        MemoryJournal journal = new MemoryJournal(1024, 10);
        assertThrows(IllegalArgumentException.class,
                () -> new JournalDrain(journal, (id, lines) -> { }, new IngestStats(), 0));
        journal.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
