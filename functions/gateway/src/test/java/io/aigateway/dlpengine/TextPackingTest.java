package io.aigateway.dlpengine;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextPackingTest {

    @Test
    void textsShareADocumentUntilTheLimitAndEntitiesMapBackToTheirText() {
        List<TextPacking.Doc> docs = TextPacking.pack(List.of("hello Jane", "\uD83D\uDE00 Bob here"), 1000);
        assertEquals(1, docs.size());
        TextPacking.Doc d = docs.get(0);
        assertEquals("hello Jane\n\n\uD83D\uDE00 Bob here", d.text());
        // code points: "hello Jane" 0-10, "\n\n" 10-12, emoji 12, ' ' 13, "Bob" 14-17
        assertArrayEquals(new int[]{0, 6, 10}, d.place(6, 10));
        assertArrayEquals(new int[]{1, 3, 6}, d.place(14, 17), "the emoji is one code point but two chars");
        assertNull(d.place(10, 11), "a span starting in the separator belongs to no text");
        assertArrayEquals(new int[]{0, 6, 10}, d.place(6, 13), "cut at its text's end");
    }

    @Test
    void aLongTextIsCutAtCodePointsWithinTheByteLimit() {
        String text = "\u3042".repeat(50) + "\uD83D\uDE00".repeat(10); // 150 + 40 bytes
        List<TextPacking.Doc> docs = TextPacking.pack(List.of("ab", text), 64);
        int total = 0;
        StringBuilder back = new StringBuilder();
        for (TextPacking.Doc d : docs) {
            assertTrue(d.text().getBytes(StandardCharsets.UTF_8).length <= 64, d.text());
            for (TextPacking.Part p : d.parts()) {
                if (p.text() == 1) {
                    assertEquals(total, p.textStart());
                    back.append(d.text(), p.docStart(), p.docStart() + p.length());
                    total += p.length();
                }
            }
        }
        assertEquals(text, back.toString(), "every char once, in order, no surrogate pair split");
        assertTrue(docs.size() >= 3, docs.size() + " documents");
    }
}
