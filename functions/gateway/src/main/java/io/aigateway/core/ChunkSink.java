package io.aigateway.core;

import java.io.IOException;

/** Where a transport lets a response body be written; a failed write means the client is gone. */
public interface ChunkSink {
    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Pushes what was written so far to the client (used after every streamed event). */
    void flush() throws IOException;
}
