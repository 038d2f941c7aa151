package io.aigateway.dlp;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Precision and recall of the built-in detectors on the labelled corpus ({@code dlp/corpus.jsonl}, made by
 * {@link CorpusGenerator}): a finding counts only if its type and its span are exactly a label's. Writes the table
 * to {@code target/dlp-precision-recall.md}, at the default threshold (MEDIUM) and with LOW findings included.
 */
class CorpusPrecisionRecallTest {
    static final Set<String> CHECKSUM_TYPES = Set.of("credit_card", "iban", "aba_routing", "jp_my_number",
            "cn_resident_id");

    record Item(String id, String text, List<Finding> expected) {
    }

    static final class Counts {
        int tp;
        int fp;
        int fn;

        double precision() {
            return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        }

        double recall() {
            return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
        }
    }

    private final Scanner scanner = DlpProfiles.builtIns().scanner();

    static List<Item> corpus() throws IOException {
        List<Item> items = new ArrayList<>();
        try (InputStream in = CorpusPrecisionRecallTest.class.getResourceAsStream("/dlp/corpus.jsonl");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = Json.MAPPER.readTree(line);
                String text = n.get("text").asText();
                List<Finding> expected = new ArrayList<>();
                Map<String, Integer> nextFrom = new TreeMap<>();
                for (JsonNode e : n.get("expected")) {
                    String type = e.get("type").asText();
                    int start;
                    int end;
                    if (e.has("start")) {
                        start = e.get("start").asInt();
                        end = e.get("end").asInt();
                    } else {
                        String value = e.get("value").asText();
                        start = text.indexOf(value, nextFrom.getOrDefault(value, 0));
                        if (start < 0) {
                            throw new IllegalStateException(n.get("id").asText() + ": value not in text");
                        }
                        end = start + value.length();
                        nextFrom.put(value, end);
                    }
                    expected.add(new Finding(type, "label", start, end, Confidence.HIGH));
                }
                items.add(new Item(n.get("id").asText(), text, expected));
            }
        }
        return items;
    }

    private Map<String, Counts> measure(List<Item> items, Confidence minimum, List<String> misses) {
        Map<String, Counts> byType = new TreeMap<>();
        for (Item item : items) {
            List<Finding> found = new ArrayList<>(scanner.scan(item.text(), DlpProfiles.BUILT_IN, minimum));
            for (Finding want : item.expected()) {
                Finding hit = null;
                for (Finding f : found) {
                    if (f.type().equals(want.type()) && f.start() == want.start() && f.end() == want.end()) {
                        hit = f;
                        break;
                    }
                }
                Counts c = byType.computeIfAbsent(want.type(), k -> new Counts());
                if (hit != null) {
                    c.tp++;
                    found.remove(hit);
                } else {
                    c.fn++;
                    misses.add("FN " + item.id() + " " + want.type() + " <" + want.valueIn(item.text()) + "> got "
                            + describe(item.text(), scanner.scan(item.text(), DlpProfiles.BUILT_IN, minimum)));
                }
            }
            for (Finding f : found) {
                byType.computeIfAbsent(f.type(), k -> new Counts()).fp++;
                misses.add("FP " + item.id() + " " + f.type() + "/" + f.confidence() + " <" + f.valueIn(item.text())
                        + "> in: " + item.text().replace("\n", "\\n"));
            }
        }
        return byType;
    }

    private static String describe(String text, List<Finding> fs) {
        return fs.stream().map(f -> f.type() + "<" + f.valueIn(text) + ">").toList().toString();
    }

    private static String table(String title, Map<String, Counts> byType, int items) {
        StringBuilder b = new StringBuilder("### ").append(title).append("\n\n")
                .append("| type | labels | TP | FP | FN | precision | recall |\n|---|---:|---:|---:|---:|---:|---:|\n");
        Counts all = new Counts();
        for (Map.Entry<String, Counts> e : byType.entrySet()) {
            Counts c = e.getValue();
            all.tp += c.tp;
            all.fp += c.fp;
            all.fn += c.fn;
            b.append(row(e.getKey() + (CHECKSUM_TYPES.contains(e.getKey()) ? " (checksum)" : ""), c));
        }
        b.append(row("**overall** (" + items + " texts)", all));
        return b.toString();
    }

    private static String row(String name, Counts c) {
        return String.format("| %s | %d | %d | %d | %d | %.3f | %.3f |%n", name, c.tp + c.fn, c.tp, c.fp, c.fn,
                c.precision(), c.recall());
    }

    @Test
    void precisionAndRecall() throws IOException {
        List<Item> items = corpus();
        assertTrue(items.size() >= 300, "corpus has " + items.size() + " items");
        List<String> misses = new ArrayList<>();
        Map<String, Counts> medium = measure(items, Confidence.MEDIUM, misses);
        List<String> lowMisses = new ArrayList<>();
        Map<String, Counts> low = measure(items, Confidence.LOW, lowMisses);
        int labels = items.stream().mapToInt(i -> i.expected().size()).sum();
        String report = "## DLP precision/recall on " + items.size() + " texts, " + labels + " labels\n\n"
                + "A finding counts only with the label's exact type and span.\n\n"
                + table("Default threshold (MEDIUM and HIGH findings)", medium, items.size()) + "\n"
                + table("All findings (LOW included)", low, items.size()) + "\n"
                + "### Errors at the default threshold\n\n" + String.join("\n", misses.stream()
                .map(m -> "- " + m).toList()) + "\n\n### Additional errors with LOW included\n\n"
                + String.join("\n", lowMisses.stream().filter(m -> !misses.contains(m)).map(m -> "- " + m).toList())
                + "\n";
        System.out.println(report);
        Path out = Path.of(System.getProperty("basedir", "."), "target", "dlp-precision-recall.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);

        Counts all = new Counts();
        medium.values().forEach(c -> {
            all.tp += c.tp;
            all.fp += c.fp;
            all.fn += c.fn;
        });
        assertTrue(all.precision() >= 0.95, "overall precision " + all.precision());
        assertTrue(all.recall() >= 0.95, "overall recall " + all.recall());
        for (String t : CHECKSUM_TYPES) {
            Counts c = medium.get(t);
            assertTrue(c != null && c.precision() >= 0.98 && c.recall() >= 0.98,
                    t + ": precision " + (c == null ? 0 : c.precision()) + ", recall " + (c == null ? 0 : c.recall()));
        }
    }
}
