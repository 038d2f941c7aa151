package io.aigateway.recording;

import java.util.List;

/**
 * Where a finished request's record lines go (see io.aigateway.ingest.RecordFormat). Writing them is the last thing
 * a request does before its response completes, and it never waits on a store:
 * <ul>
 *   <li>on AWS, {@link #stdout()}: one line per record on stdout, which the Lambda runtime ships to CloudWatch Logs
 *       even if the environment is frozen right after; the log-ingest function takes them from there;</li>
 *   <li>locally, a durable journal that the same ingest code drains in process (the local runtime's JournalSink).</li>
 * </ul>
 */
@FunctionalInterface
public interface RecordSink {
    /** Writes one request's lines; false when they could not be kept (counted by the caller, never thrown). */
    boolean write(List<String> lines);

    /** Lines on stdout, whole: one print of the request's lines, so records of parallel requests never interleave. */
    static RecordSink stdout() {
        return lines -> {
            StringBuilder b = new StringBuilder(lines.stream().mapToInt(String::length).sum() + lines.size());
            for (String line : lines) {
                b.append(line).append('\n');
            }
            System.out.print(b);
            System.out.flush();
            return !System.out.checkError();
        };
    }
}
