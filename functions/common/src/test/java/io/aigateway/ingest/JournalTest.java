package io.aigateway.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local journals: durability across a stop, replay of the batch in flight under the same id, backpressure. */
class JournalTest {
    private static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fileJournalKeepsEverythingUncommittedAcrossAStopAndReplaysTheBatchInFlightUnderTheSameId(@TempDir Path dir)
            throws Exception {
        RecordJournal.Batch inFlight;
        try (FileJournal journal = new FileJournal(dir, 1 << 20, 100)) {
            for (int i = 0; i < 5; i++) {
                assertTrue(journal.append(line("{\"n\":" + i + "}"), 1));
            }
            RecordJournal.Batch first = journal.next(100);
            assertEquals(5, first.lines().size());
            journal.commit(first);
            assertEquals(0, journal.backlogBytes());
            journal.append(line("{\"n\":5}"), 1);
            journal.append(line("{\"n\":6}"), 1);
            inFlight = journal.next(100);
            assertEquals(List.of("{\"n\":5}", "{\"n\":6}"), inFlight.lines());
            journal.append(line("{\"n\":7}"), 1); // appended while the batch is being applied
            // no commit: the process dies here (close() does not commit either)
        }
        // an OS crash cut the last line short: it was never acknowledged, and is dropped on open
        Files.write(dir.resolve("journal").resolve(String.format("%020d", 0) + ".jrn"),
                "{\"n\":8, \"cut".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (FileJournal journal = new FileJournal(dir, 1 << 20, 100)) {
            RecordJournal.Batch replay = journal.next(100);
            assertEquals(inFlight.id(), replay.id(), "the same lines under the same id: the ingest recognises it");
            assertEquals(inFlight.lines(), replay.lines());
            journal.commit(replay);
            RecordJournal.Batch rest = journal.next(100);
            assertEquals(List.of("{\"n\":7}"), rest.lines());
            journal.commit(rest);
            assertNull(journal.next(50));
            assertEquals(0, journal.backlogBytes());
        }
    }

    @Test
    void fileJournalRollsOverSegmentsAndDeletesCommittedOnes(@TempDir Path dir) throws Exception {
        byte[] big = line("x".repeat(1024 * 1024));
        try (FileJournal journal = new FileJournal(dir, 1L << 30, 100)) {
            for (int i = 0; i < 70; i++) {
                journal.append(big, 1);
            }
            int lines = 0;
            for (RecordJournal.Batch b = journal.next(100); b != null; b = journal.next(100)) {
                lines += b.lines().size();
                journal.commit(b);
            }
            assertEquals(70, lines);
            try (var files = Files.list(dir.resolve("journal"))) {
                assertEquals(1, files.filter(f -> f.toString().endsWith(".jrn")).count(), "committed segments deleted");
            }
        }
    }

    @Test
    void memoryJournalAppliesBackpressureInsteadOfDropping() throws Exception {
        MemoryJournal journal = new MemoryJournal(64, 2_000);
        assertTrue(journal.append(line("a".repeat(40)), 1));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> journal.append(line("b".repeat(40)), 1));
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "the second append waits for room");
        RecordJournal.Batch b = journal.next(100);
        journal.commit(b);
        assertTrue(waiting.get(2, TimeUnit.SECONDS), "and gets it once the first is taken");
        assertNotNull(journal.next(100));
        MemoryJournal tiny = new MemoryJournal(8, 50);
        assertTrue(tiny.append(line("first"), 1));
        assertFalse(tiny.append(line("second"), 1), "refused after waiting its time: the caller counts it lost");
    }

    @Test
    void batchesHoldWholeLinesOnly(@TempDir Path dir) throws Exception {
        try (FileJournal journal = new FileJournal(dir, 1 << 20, 100)) {
            List<String> expected = new ArrayList<>();
            StringBuilder many = new StringBuilder();
            for (int i = 0; i < 1200; i++) {
                many.append("{\"i\":").append(i).append("}\n");
                expected.add("{\"i\":" + i + "}");
            }
            journal.append(many.toString().getBytes(StandardCharsets.UTF_8), 1200);
            List<String> seen = new ArrayList<>();
            for (RecordJournal.Batch b = journal.next(100); b != null; b = journal.next(100)) {
                assertTrue(b.lines().size() <= 500);
                seen.addAll(b.lines());
                journal.commit(b);
            }
            assertEquals(expected, seen);
        }
    }
}
