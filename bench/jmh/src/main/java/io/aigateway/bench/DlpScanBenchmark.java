package io.aigateway.bench;

import io.aigateway.dlp.Confidence;
import io.aigateway.dlp.DlpProfiles;
import io.aigateway.dlp.Finding;
import io.aigateway.dlp.Scanner;
import io.aigateway.dlp.StreamScanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * DLP scan throughput: all four built-in profiles over ~256 KB of chat-like text (English prose with some code, a
 * Japanese and a Chinese paragraph in ten, and a value to find every ~2 KB), as a whole text and as a stream fed in
 * {@code pieceSize}-char chunks. Setup prints the text's UTF-8 size; MB/s = that many bytes / (us/op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DlpScanBenchmark {
    private static final String[] EN = {
        "Sure, here is a summary of the meeting notes from Tuesday. ",
        "The team agreed to move the release to the second week of March, pending the security review. ",
        "To reproduce the bug, run the script with the --verbose flag and check the log output around line 120. ",
        "In Java, a record is a concise way to declare an immutable data carrier; see JEP 395 for details. ",
        "The function returns a list of 3 items, sorted by their score in descending order. ",
        "Let me know if you need anything else, for example a shorter version or a table. ",
        "Revenue grew 12.5% year over year to $4.2 million, driven by the enterprise segment. ",
        "Version 2.3.1 fixed the memory leak reported in issue #4821 on 2024-03-15. ",
        "```python\nfor i, row in enumerate(rows):\n    total += row['amount'] * 1.08\n```\n",
        "Please note: the API rate limit is 600 requests per minute per key, and bursts are smoothed. ",
    };
    private static final String JA = "会議の議事録を以下にまとめます。リリースは三月の第二週に延期され、"
            + "セキュリティレビューの結果を待つことになりました。詳細は担当者までお問い合わせください。";
    private static final String ZH = "以下是会议纪要的摘要。团队同意将发布推迟到三月的第二周，等待安全审查的结果。"
            + "如有疑问，请联系负责人。";
    private static final String[] PII = {
        "Contact me at jane.doe@example.com. ", "My card is 4111 1111 1111 1111. ", "Call +1 (415) 555-0100. ",
        "The server is at 10.20.30.40. ", "Key AKIAIOSFODNN7EXAMPLE was rotated. ", "IBAN DE89370400440532013000. ",
        "電話は090-1234-5678です。", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a leaked. ",
    };

    @Param({"256"})
    public int pieceSize;

    private Scanner scanner;
    private String text;
    private final Set<String> all = DlpProfiles.BUILT_IN;

    @Setup
    public void setup() {
        scanner = DlpProfiles.builtIns().scanner();
        Random r = new Random(7);
        StringBuilder b = new StringBuilder();
        int nextPii = 2048;
        while (b.length() < 256 * 1024) {
            int k = r.nextInt(20);
            b.append(k == 0 ? JA : k == 1 ? ZH : EN[r.nextInt(EN.length)]);
            if (b.length() > nextPii) {
                b.append(PII[r.nextInt(PII.length)]);
                nextPii += 2048;
            }
        }
        text = b.toString();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        List<Finding> found = scanner.scan(text, all);
        Fixtures.check(found.size() >= 100, "findings in the text");
        Fixtures.check(found.equals(stream()), "stream finds what a whole scan finds");
        System.out.printf("%n[dlp] %d chars, %d UTF-8 bytes, %d findings%n", text.length(), bytes, found.size());
    }

    @Benchmark
    public List<Finding> scanAllProfiles() {
        return scanner.scan(text, all);
    }

    @Benchmark
    public List<Finding> stream() {
        StreamScanner s = scanner.stream(all, Confidence.MEDIUM);
        List<Finding> out = new java.util.ArrayList<>();
        for (int at = 0; at < text.length(); at += pieceSize) {
            out.addAll(s.feed(text.substring(at, Math.min(text.length(), at + pieceSize))).findings());
        }
        out.addAll(s.finish().findings());
        return out;
    }
}
