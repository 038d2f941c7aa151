package io.aigateway.dlp;

import java.util.List;

/** One pass over a window: the built-in detectors, or one custom profile. */
interface Engine {
    /**
     * Scans from {@code from}, appending decided findings (offsets into the window) to {@code out}, and returns where
     * it stopped: the start of the first candidate that needs text beyond the window, or the window's limit.
     * Findings are appended in order of start and all start before the returned index.
     */
    int scan(Window w, int from, List<Finding> out);

    /** The most characters past a candidate's start this engine reads to decide it: the stream holdback bound. */
    int maxReadAhead();
}
