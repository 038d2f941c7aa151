package io.aigateway.cache;

import io.aigateway.core.Headers;
import io.aigateway.store.TableSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Cached responses: a bounded in-memory LRU (by bytes; 0 turns it off) in front of one DynamoDB item per entry,
 * shared by every instance of the function:
 * <pre>
 *   pk = CACHE#{gateway}#{sha256 hex}   sk = e   expiresAt = epoch seconds (table TTL)
 *   status N, headers L[L[S name, S value]], body B (gzip), bodyEncoding S, bodySize N, stream BOOL,
 *   tokensIn N, tokensOut N, model S, createdAt N (epoch ms), gateway S, v N
 * </pre>
 * Expiry is checked on every read, because DynamoDB deletes expired items only eventually. A body whose gzip form
 * is larger than {@value #MAX_COMPRESSED_BODY} bytes does not fit an item (400 KB) and is not cached at all.
 * A memory hit makes no store call; a memory miss makes one GetItem (shared by concurrent lookups of the same
 * key); a write is one PutItem.
 *
 * <p>Misses are coalesced per instance ({@link #claim}): the first request to miss a key leads (it reads the table
 * and calls the provider); identical requests arriving meanwhile follow, waiting for the leader's entry instead of
 * calling the provider too. The leader's flight ends when its entry is in memory, or when it knows there will be
 * none (an error, an answer too large or cut short): then each follower calls the provider itself.
 */
public final class CacheStore {
    private static final Logger LOG = LoggerFactory.getLogger(CacheStore.class);
    /** Room left under DynamoDB's 400 KB item limit for the key, headers and other attributes. */
    public static final int MAX_COMPRESSED_BODY = 350 * 1024;
    static final int MAX_ITEM_BYTES = 390 * 1024;
    static final String SK = "e";
    private static final int VERSION = 1;
    /** A cache read sits on the request path: a slow store costs a request this much at most, then it proceeds. */
    private static final Duration READ_TIMEOUT = Duration.ofMillis(1500);
    private static final Duration READ_ATTEMPT_TIMEOUT = Duration.ofMillis(700);

    public enum Source { MEMORY, TABLE }

    /**
     * @param entry  the live entry, or null (absent, expired, or the read failed)
     * @param source where a hit came from; null on a miss
     * @param failed the table read failed (the request proceeds to the provider)
     */
    public record Lookup(CacheEntry entry, Source source, boolean failed) {
        static final Lookup MISS = new Lookup(null, null, false);
        static final Lookup FAILED = new Lookup(null, null, true);

        public boolean hit() {
            return entry != null;
        }
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final MemoryLru memory;
    /** Table reads in flight, by pk: concurrent lookups of one key wait for the same read. */
    private final ConcurrentHashMap<String, CompletableFuture<Lookup>> reads = new ConcurrentHashMap<>();
    /** Misses being answered by this instance, by pk: identical requests wait for the leader's entry. */
    private final ConcurrentHashMap<String, Flight> flights = new ConcurrentHashMap<>();
    private final LongAdder readFailures = new LongAdder();

    public CacheStore(DynamoDbClient dynamo, String table, long memoryBytes) {
        this.dynamo = dynamo;
        this.table = table;
        this.memory = new MemoryLru(memoryBytes);
    }

    /**
     * Memory first, then the table; never throws (a failed read is a miss with {@code failed} set). Concurrent
     * lookups of one key that miss memory share a single GetItem (a burst of identical requests on a cold
     * instance costs one read, not one each).
     */
    public Lookup get(CacheKey key) {
        long now = System.currentTimeMillis();
        String pk = key.pk();
        CacheEntry inMemory = memory.get(pk, now);
        if (inMemory != null) {
            return new Lookup(inMemory, Source.MEMORY, false);
        }
        CompletableFuture<Lookup> mine = new CompletableFuture<>();
        CompletableFuture<Lookup> running = reads.putIfAbsent(pk, mine);
        if (running != null) {
            return running.join();
        }
        Lookup result = Lookup.FAILED;
        try {
            result = readTable(key, now);
            return result;
        } finally {
            reads.remove(pk, mine);
            mine.complete(result);
        }
    }

    private Lookup readTable(CacheKey key, long now) {
        String pk = key.pk();
        Map<String, AttributeValue> item;
        try {
            item = dynamo.getItem(b -> b.tableName(table)
                    .key(Map.of(TableSchema.PK, AttributeValue.fromS(pk), TableSchema.SK, AttributeValue.fromS(SK)))
                    .overrideConfiguration(c -> c.apiCallTimeout(READ_TIMEOUT).apiCallAttemptTimeout(READ_ATTEMPT_TIMEOUT)))
                    .item();
        } catch (RuntimeException e) {
            readFailures.increment();
            LOG.warn("cache read failed, proceeding without the cache: {}", e.toString());
            return Lookup.FAILED;
        }
        if (item == null || item.isEmpty()) {
            return Lookup.MISS;
        }
        CacheEntry entry;
        try {
            entry = fromItem(item);
        } catch (RuntimeException e) {
            LOG.warn("unreadable cache item {} ignored: {}", pk, e.toString());
            return Lookup.MISS;
        }
        if (entry.stream() != key.stream() || entry.expiredAt(now)) {
            return Lookup.MISS;
        }
        memory.put(pk, entry, now);
        return new Lookup(entry, Source.TABLE, false);
    }

    /**
     * One miss being answered here: the leader {@link #land}s it with its entry, or with null when it will store
     * none; followers {@link #await} that.
     */
    public final class Flight {
        private final String pk;
        private final CompletableFuture<CacheEntry> answer = new CompletableFuture<>();

        private Flight(String pk) {
            this.pk = pk;
        }

        /**
         * Ends the flight (first call only): the entry is already in memory when this runs, so a request arriving
         * after it finds the entry there, and one arriving before it finds the flight.
         */
        void land(CacheEntry entry) {
            flights.remove(pk, this);
            answer.complete(entry);
        }

        /**
         * The leader's entry; null when it stored none or did not within {@code millis}. A follower that gave up
         * also retires the flight, so a leader that never lands (or a very long stream) holds identical requests
         * back once at most, not forever.
         */
        CacheEntry await(long millis) {
            try {
                return answer.get(Math.max(1, millis), TimeUnit.MILLISECONDS);
            } catch (TimeoutException slow) {
                flights.remove(pk, this);
                return null;
            } catch (ExecutionException failed) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /**
     * Who answers a miss: {@code leader} true when the caller opened the flight (it must land it, whatever
     * happens), false when an identical miss is already in flight here (the caller may wait for it).
     */
    public record Claim(Flight flight, boolean leader) {
    }

    /** Leads the flight of this key, or joins the one in progress. */
    Claim claim(CacheKey key) {
        String pk = key.pk();
        Flight mine = new Flight(pk);
        Flight running = flights.putIfAbsent(pk, mine);
        return running == null ? new Claim(mine, true) : new Claim(running, false);
    }

    /** Memory only: no store call (a hit here needs no flight). */
    Lookup peekMemory(CacheKey key) {
        CacheEntry e = memory.get(key.pk(), System.currentTimeMillis());
        return e == null ? Lookup.MISS : new Lookup(e, Source.MEMORY, false);
    }

    /**
     * Stores an entry in memory and in the table, now. Returns false, storing nothing, when the compressed body
     * does not fit an item. A failed table write throws (the gateway itself calls {@link #write} and counts).
     */
    public boolean put(CacheKey key, CacheEntry entry) {
        byte[] gz = gzip(entry.body());
        if (!fits(gz.length, entry.headers())) {
            return false;
        }
        remember(key, entry);
        write(key, entry, gz);
        return true;
    }

    /** The memory layer only. */
    void remember(CacheKey key, CacheEntry entry) {
        memory.put(key.pk(), entry, System.currentTimeMillis());
    }

    /** One PutItem; throws when the table refuses or cannot be reached. */
    void write(CacheKey key, CacheEntry entry, byte[] gzippedBody) {
        dynamo.putItem(b -> b.tableName(table).item(toItem(key, entry, gzippedBody)));
    }

    public int memoryEntries() {
        return memory.size();
    }

    public long readFailures() {
        return readFailures.sum();
    }

    static boolean fits(int compressedBody, Headers headers) {
        if (compressedBody > MAX_COMPRESSED_BODY) {
            return false;
        }
        int[] size = {compressedBody + 1024};
        headers.forEach((n, v) -> size[0] += n.length() + v.length() * 3 + 16);
        return size[0] <= MAX_ITEM_BYTES;
    }

    // ---- item mapping ----

    static Map<String, AttributeValue> toItem(CacheKey key, CacheEntry e, byte[] gzippedBody) {
        Map<String, AttributeValue> item = new HashMap<>(20);
        item.put(TableSchema.PK, AttributeValue.fromS(key.pk()));
        item.put(TableSchema.SK, AttributeValue.fromS(SK));
        item.put(TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(e.expiresAtSeconds())));
        item.put("createdAt", AttributeValue.fromN(Long.toString(e.createdAtMillis())));
        item.put("gateway", AttributeValue.fromS(key.gatewayId()));
        item.put("v", AttributeValue.fromN(Integer.toString(VERSION)));
        item.put("status", AttributeValue.fromN(Integer.toString(e.status())));
        List<AttributeValue> headers = new ArrayList<>(e.headers().size());
        e.headers().forEach((n, v) -> headers.add(AttributeValue.fromL(List.of(AttributeValue.fromS(n),
                AttributeValue.fromS(v)))));
        item.put("headers", AttributeValue.fromL(headers));
        item.put("body", AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(gzippedBody)));
        item.put("bodyEncoding", AttributeValue.fromS("gzip"));
        item.put("bodySize", AttributeValue.fromN(Integer.toString(e.body().length)));
        item.put("stream", AttributeValue.fromBool(e.stream()));
        if (e.tokensIn() >= 0) {
            item.put("tokensIn", AttributeValue.fromN(Long.toString(e.tokensIn())));
        }
        if (e.tokensOut() >= 0) {
            item.put("tokensOut", AttributeValue.fromN(Long.toString(e.tokensOut())));
        }
        if (e.model() != null && !e.model().isEmpty()) {
            item.put("model", AttributeValue.fromS(e.model()));
        }
        if (e.cost() != null && io.aigateway.store.DynamoNumbers.storable(e.cost())) {
            item.put("cost", AttributeValue.fromN(java.math.BigDecimal.valueOf(e.cost()).toPlainString()));
        }
        return item;
    }

    static CacheEntry fromItem(Map<String, AttributeValue> item) {
        Headers.Builder headers = Headers.builder();
        AttributeValue h = item.get("headers");
        if (h != null && h.hasL()) {
            for (AttributeValue pair : h.l()) {
                headers.add(pair.l().get(0).s(), pair.l().get(1).s());
            }
        }
        AttributeValue body = item.get("body");
        byte[] raw = body == null || body.b() == null ? new byte[0] : body.b().asByteArrayUnsafe();
        AttributeValue encoding = item.get("bodyEncoding");
        if (encoding == null || "gzip".equals(encoding.s())) {
            raw = gunzip(raw);
        }
        AttributeValue stream = item.get("stream");
        AttributeValue model = item.get("model");
        return new CacheEntry(
                Integer.parseInt(item.get("status").n()),
                headers.build(),
                raw,
                stream != null && Boolean.TRUE.equals(stream.bool()),
                number(item, "tokensIn", -1),
                number(item, "tokensOut", -1),
                model == null ? null : model.s(),
                number(item, "createdAt", 0),
                number(item, TableSchema.EXPIRES_AT, 0),
                item.containsKey("cost") ? Double.valueOf(item.get("cost").n()) : null);
    }

    private static long number(Map<String, AttributeValue> item, String name, long fallback) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? fallback : Long.parseLong(v.n());
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] data) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data), 8192)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt cached body", e);
        }
    }
}
