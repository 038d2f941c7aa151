package io.aigateway.dlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Scans a streamed text chunk by chunk, for one stream (not thread-safe). Feed chunks in order; each
 * {@link Step} says how many characters at the start of the pending text (fed, not yet released) are now safe to
 * release, with every finding inside them. Finding offsets count from the start of the stream.
 *
 * <p>Findings are the same as {@link Scanner#scan} over the whole text, whatever the chunking: every detector reads
 * through a window that marks a read past the text received so far, and a candidate that made such a read is
 * decided again on the next chunk. The held-back text is therefore only the candidates still undecided: it starts at
 * the earliest of them, and no detector reads further than {@link #holdbackBound()} chars past a candidate's start:
 * the longest e-mail address (about 320 chars), a custom token (256) or a JWT (4,096), and for a PEM private key
 * block, whose body is secret as a whole, up to {@value BuiltinEngine#PEM_MAX} chars from its BEGIN line (a key not
 * closed by then is reported up to the end of its base64 body, in both modes). In ordinary prose the holdback is the
 * last partial word.
 */
public final class StreamScanner {
    /** What one chunk made final. */
    public record Step(List<Finding> findings, int releasable) {
        public Step {
            findings = List.copyOf(findings);
        }
    }

    private final List<Engine> engines;
    private final Confidence minimum;
    private final int[] resume;
    private final List<Finding> pending = new ArrayList<>();
    private final int bound;
    private char[] buf = new char[1024];
    private int len;
    private int base;
    private int released;
    private boolean finished;

    StreamScanner(List<Engine> engines, Confidence minimum) {
        this.engines = List.copyOf(engines);
        this.minimum = minimum;
        this.resume = new int[engines.size()];
        int b = 0;
        for (Engine e : engines) {
            b = Math.max(b, e.maxReadAhead());
        }
        this.bound = b;
    }

    /** The most characters a step can leave unreleased. */
    public int holdbackBound() {
        return bound;
    }

    /** Characters fed so far. */
    public int fed() {
        return base + len;
    }

    /** Characters released so far: the pending text is {@code [released(), fed())}. */
    public int released() {
        return released;
    }

    public Step feed(CharSequence chunk) {
        if (finished) {
            throw new IllegalStateException("stream already finished");
        }
        append(chunk);
        return step(false);
    }

    /** The end of the stream: everything pending is decided and released. */
    public Step finish() {
        if (finished) {
            throw new IllegalStateException("stream already finished");
        }
        finished = true;
        return step(true);
    }

    private Step step(boolean atEnd) {
        Window w = new Window(buf, len, atEnd);
        List<Finding> found = new ArrayList<>();
        int r = base + len;
        for (int k = 0; k < engines.size(); k++) {
            found.clear();
            int stop = engines.get(k).scan(w, resume[k] - base, found);
            resume[k] = base + stop;
            r = Math.min(r, resume[k]);
            for (Finding f : found) {
                pending.add(f.shift(base));
            }
        }
        // never cut through a finding that is decided already (one engine may be ahead of another)
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Finding f : pending) {
                if (f.start() < r && f.end() > r) {
                    r = f.start();
                    moved = true;
                }
            }
        }
        List<Finding> out = new ArrayList<>();
        for (Iterator<Finding> it = pending.iterator(); it.hasNext(); ) {
            Finding f = it.next();
            if (f.end() <= r) {
                it.remove();
                if (f.confidence().atLeast(minimum)) {
                    out.add(f);
                }
            }
        }
        out.sort(Scanner.ORDER);
        int releasable = r - released;
        released = r;
        compact(r - Scanner.LOOKBEHIND);
        return new Step(out, releasable);
    }

    private void append(CharSequence chunk) {
        int n = chunk.length();
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        if (chunk instanceof String s) {
            s.getChars(0, n, buf, len);
        } else {
            for (int k = 0; k < n; k++) {
                buf[len + k] = chunk.charAt(k);
            }
        }
        len += n;
    }

    /** Drops text before {@code keepFrom} (absolute): released, and out of every detector's look-behind. */
    private void compact(int keepFrom) {
        int drop = keepFrom - base;
        if (drop <= 0) {
            return;
        }
        System.arraycopy(buf, drop, buf, 0, len - drop);
        len -= drop;
        base += drop;
    }

    @Override
    public String toString() {
        return "StreamScanner[fed " + fed() + ", released " + released + "]";
    }
}
