package io.aigateway.dlpengine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts of one body packed into as few documents as a per-call size limit allows (Comprehend takes at most
 * 100 KB of UTF-8 per call), texts separated by a blank line so no entity runs from one into the next; a text longer
 * than the limit is cut at a code point boundary. Maps an entity's code point offsets in a document back to char
 * offsets in the text it came from.
 */
final class TextPacking {
    static final String SEPARATOR = "\n\n";

    /** A piece of text {@code text} from char {@code textStart}, at char {@code docStart} of its document. */
    record Part(int text, int textStart, int docStart, int length) {
    }

    /** One document and the parts it is made of, in order. */
    record Doc(String text, List<Part> parts) {
        /**
         * The span {@code [begin, end)} in code points of this document, as offsets into the text it falls in
         * ({@code [text index, start, end)} in chars); null when it starts in a separator. A span running past its
         * part is cut at the part's end.
         */
        int[] place(int beginCodePoint, int endCodePoint) {
            int cps = text.codePointCount(0, text.length());
            if (beginCodePoint < 0 || endCodePoint <= beginCodePoint || beginCodePoint >= cps) {
                return null;
            }
            int start = text.offsetByCodePoints(0, beginCodePoint);
            int end = text.offsetByCodePoints(start, Math.min(endCodePoint, cps) - beginCodePoint);
            for (Part p : parts) {
                if (start >= p.docStart() && start < p.docStart() + p.length()) {
                    int cut = Math.min(end, p.docStart() + p.length());
                    return new int[]{p.text(), p.textStart() + start - p.docStart(), p.textStart() + cut - p.docStart()};
                }
            }
            return null;
        }
    }

    private TextPacking() {
    }

    static List<Doc> pack(List<String> texts, int maxBytes) {
        List<Doc> docs = new ArrayList<>();
        StringBuilder doc = new StringBuilder();
        int docBytes = 0;
        List<Part> parts = new ArrayList<>();
        int sepBytes = SEPARATOR.length();
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            int from = 0;
            while (from < t.length()) {
                int room = maxBytes - docBytes - (parts.isEmpty() ? 0 : sepBytes);
                int to = cut(t, from, room);
                if (to == from) { // no room left in this document
                    if (parts.isEmpty()) {
                        throw new IllegalArgumentException("maxBytes too small");
                    }
                    docs.add(new Doc(doc.toString(), List.copyOf(parts)));
                    doc.setLength(0);
                    docBytes = 0;
                    parts.clear();
                    continue;
                }
                if (!parts.isEmpty()) {
                    doc.append(SEPARATOR);
                    docBytes += sepBytes;
                }
                parts.add(new Part(i, from, doc.length(), to - from));
                doc.append(t, from, to);
                docBytes += utf8Length(t, from, to);
                from = to;
            }
        }
        if (!parts.isEmpty()) {
            docs.add(new Doc(doc.toString(), List.copyOf(parts)));
        }
        return docs;
    }

    /** The end of the longest run of {@code t} from {@code from} that fits {@code room} UTF-8 bytes. */
    private static int cut(String t, int from, int room) {
        int bytes = 0;
        int i = from;
        while (i < t.length()) {
            int cp = t.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > room) {
                break;
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return i;
    }

    static int utf8Length(String t, int from, int to) {
        return t.substring(from, to).getBytes(StandardCharsets.UTF_8).length;
    }
}
