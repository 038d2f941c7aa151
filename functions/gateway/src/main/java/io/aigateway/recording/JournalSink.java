package io.aigateway.recording;

import io.aigateway.ingest.RecordJournal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Record lines into a local journal (drained in process into the ingest); what it refuses is counted lost by the recorder. */
public final class JournalSink implements RecordSink {
    private final RecordJournal journal;

    public JournalSink(RecordJournal journal) {
        this.journal = journal;
    }

    @Override
    public boolean write(List<String> lines) {
        StringBuilder b = new StringBuilder(lines.stream().mapToInt(String::length).sum() + lines.size());
        for (String line : lines) {
            b.append(line).append('\n');
        }
        return journal.append(b.toString().getBytes(StandardCharsets.UTF_8), lines.size());
    }
}
