package io.aigateway.log;

import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logs on DynamoDB Local: keyed reads over days and shards, cursors, filters, expiry. */
class LogStoreTest {
    private static final long DAY = 86_400_000L;
    private final LogIds ids = new LogIds();
    private LogStore store;
    private long now;

    @BeforeEach
    void setUp() {
        store = new LogStore(DynamoDbLocal.client(), DynamoDbLocal.newTable(), Executors.newVirtualThreadPerTaskExecutor());
        now = System.currentTimeMillis();
    }

    private RequestLog log(long createdAt, String provider, String model, int status, long expiresAtSeconds) {
        return new RequestLog(ids.next(createdAt), createdAt, "gw", provider, model, "POST", "/v1/a/gw/" + provider + "/x",
                status, status < 400, false, false, 10, 5, 8, 3L, 4L, Map.of("team", "a"), null, "ua", 1, 2, "{}", "{}",
                1, null, "ok", null, List.of(), null, 0.0015, null, false, null, null, expiresAtSeconds);
    }

    private RequestLog log(long createdAt, String provider, int status) {
        return log(createdAt, provider, "m1", status, now / 1000 + 3600);
    }

    /** What the ingest does for a stored log: the item, and its day in the day index. */
    private void write(RequestLog log) {
        assertTrue(store.putIfAbsent(log));
        store.indexDay(log.gateway(), log.createdAt());
    }

    private List<String> all(LogQuery q) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            LogStore.Page page = store.list(q.after(cursor));
            page.logs().forEach(l -> seen.add(l.id()));
            cursor = page.nextCursor();
        } while (cursor != null);
        return seen;
    }

    @Test
    void writesAndReadsBackEveryField() {
        RequestLog written = log(now, "openai", 200);
        write(written);
        RequestLog read = store.get("gw", written.id()).orElseThrow();
        assertEquals(written.id(), read.id());
        assertEquals(written.createdAt(), read.createdAt());
        assertEquals("openai", read.provider());
        assertEquals(3L, read.tokensIn());
        assertEquals("a", read.metadata().get("team"));
        assertEquals(written.expiresAt(), read.expiresAt());
        assertTrue(store.get("gw", "not-an-id").isEmpty());
        assertTrue(store.get("other", written.id()).isEmpty());
    }

    @Test
    void listsNewestFirstAcrossDaysAndShardsWithACursorThatNeverRepeats() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 45; i++) {
            RequestLog l = log(now - (i % 3) * DAY - i * 1000L, "openai", 200);
            write(l);
            expected.add(l.id());
        }
        List<String> seen = all(new LogQuery("gw", 7, null, 0, now + 1000, null, null, null, null));
        assertEquals(45, seen.size());
        assertEquals(expected, new HashSet<>(seen));
        List<String> sorted = new ArrayList<>(seen);
        sorted.sort((a, b) -> b.compareTo(a));
        assertEquals(sorted, seen, "newest first");
    }

    @Test
    void filtersAndTimeRange() {
        write(log(now - 3000, "openai", 200));
        write(log(now - 2000, "anthropic", 200));
        write(log(now - 1000, "openai", 500));
        RequestLog old = log(now - 5 * DAY, "openai", 200);
        write(old);
        assertEquals(3, all(new LogQuery("gw", 10, null, 0, now, "openai", null, null, null)).size());
        assertEquals(1, all(new LogQuery("gw", 10, null, 0, now, null, null, 500, null)).size());
        assertEquals(1, all(new LogQuery("gw", 10, null, 0, now, null, null, null, false)).size());
        assertEquals(0, all(new LogQuery("gw", 10, null, 0, now, null, "other-model", null, null)).size());
        assertEquals(List.of(old.id()), all(new LogQuery("gw", 10, null, 0, now - DAY, null, null, null, null)));
        assertEquals(3, all(new LogQuery("gw", 10, null, now - DAY, now, null, null, null, null)).size());
    }

    @Test
    void expiredLogsAreNeverReturnedEvenBeforeTtlDeletesThem() {
        RequestLog expired = log(now, "openai", "m1", 200, now / 1000 - 1);
        write(expired);
        assertTrue(store.get("gw", expired.id()).isEmpty());
        LogStore.Page page = store.list(new LogQuery("gw", 10, null, 0, now + 1000, null, null, null, null));
        assertFalse(page.logs().stream().anyMatch(l -> l.id().equals(expired.id())));
        assertNull(page.nextCursor());
    }

    @Test
    void idsAreTimeOrderedAndValid() {
        String a = ids.next(1_000);
        String b = ids.next(2_000);
        assertTrue(a.compareTo(b) < 0);
        assertEquals(2_000, LogIds.timestamp(b));
        assertTrue(LogIds.isValid(a));
        assertFalse(LogIds.isValid("01ARZ3NDEKTSV4RRFFQ69G5FA!"));
        assertFalse(LogIds.isValid("../../etc"));
        assertTrue(LogIds.lowest(2_000).compareTo(b) <= 0 && LogIds.highest(2_000).compareTo(b) >= 0);
    }
}
