package io.aigateway.auth;

import io.aigateway.config.ExpiringLru;
import io.aigateway.config.LookupBudget;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway tokens for authenticated gateways. A token is {@code aigw_{id}_{secret}}: the id finds the stored item
 * ({@code pk = GW#{gateway}, sk = TOKEN#{id}}), which holds only the SHA-256 of the secret; the secret is shown once
 * at creation and never stored. What a token id looked up to (a hash, or nothing) is remembered for a few seconds,
 * so a revoked token stops working everywhere within that time and a busy gateway does not read the store on every
 * request. Token ids come from clients, so what is remembered is bounded (size and age, known and unknown ids apart,
 * so random ids never push out real tokens), and reads for ids not remembered draw on a {@link LookupBudget}.
 */
public final class GatewayTokens {
    private static final Pattern FORMAT = Pattern.compile("aigw_([a-z0-9]{16})_([A-Za-z0-9_-]{43})");
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    public record TokenInfo(String id, String name, long createdAt) {
    }

    public record Created(TokenInfo info, String token) {
    }

    /**
     * Bounds of what is remembered (token ids come from clients).
     *
     * @param maxKnown         token ids with a stored hash remembered at once
     * @param maxUnknown       token ids with nothing stored remembered at once (negative caching)
     * @param lookupsPerSecond store reads per second for token ids not remembered
     * @param lookupBurst      ... and at most this many at once
     */
    public record Limits(int maxKnown, int maxUnknown, double lookupsPerSecond, int lookupBurst) {
        public static Limits standard() {
            return new Limits(10_000, 4_096, 50, 100);
        }
    }

    /** The store was not asked: too many unknown token ids are being checked on this instance right now. */
    public static final class LookupsExhausted extends RuntimeException {
        LookupsExhausted() {
            super("too many unknown gateway tokens checked at once", null, false, false);
        }
    }

    private static final byte[] NONE = new byte[0];

    private final DynamoDbClient dynamo;
    private final String table;
    private final SecureRandom random = new SecureRandom();
    /** Stored hashes by gateway and token id, each for at most the remember time. */
    private final ExpiringLru<String, byte[]> known;
    /** Token ids that have no stored item, for the same time: a repeated wrong token costs no read. */
    private final ExpiringLru<String, Boolean> unknown;
    private final LookupBudget budget;

    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis) {
        this(dynamo, table, rememberMillis, Limits.standard(), System::nanoTime);
    }

    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis, Limits limits,
                         LongSupplier nanoClock) {
        this.dynamo = dynamo;
        this.table = table;
        long rememberNanos = Math.max(1, rememberMillis) * 1_000_000;
        this.known = new ExpiringLru<>(limits.maxKnown(), rememberNanos, false, nanoClock);
        this.unknown = new ExpiringLru<>(limits.maxUnknown(), rememberNanos, false, nanoClock);
        this.budget = new LookupBudget(limits.lookupsPerSecond(), limits.lookupBurst(), nanoClock);
    }

    public Created create(String gateway, String name, long now) {
        char[] id = new char[16];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        String tokenId = new String(id);
        dynamo.putItem(b -> b.tableName(table).item(Map.of(
                TableSchema.PK, AttributeValue.fromS("GW#" + gateway),
                TableSchema.SK, AttributeValue.fromS("TOKEN#" + tokenId),
                "name", AttributeValue.fromS(name),
                "hash", AttributeValue.fromS(HexFormat.of().formatHex(Secrets.sha256(secret))),
                "created_at", AttributeValue.fromN(Long.toString(now)))));
        unknown.remove(gateway + "#" + tokenId);
        return new Created(new TokenInfo(tokenId, name, now), "aigw_" + tokenId + "_" + secret);
    }

    public List<TokenInfo> list(String gateway) {
        List<TokenInfo> tokens = new ArrayList<>();
        QueryResponse page = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", TableSchema.PK, "#sk", TableSchema.SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("GW#" + gateway),
                        ":prefix", AttributeValue.fromS("TOKEN#"))));
        for (Map<String, AttributeValue> item : page.items()) {
            tokens.add(new TokenInfo(item.get(TableSchema.SK).s().substring("TOKEN#".length()),
                    item.get("name").s(), Long.parseLong(item.get("created_at").n())));
        }
        return tokens;
    }

    public boolean revoke(String gateway, String tokenId) {
        known.remove(gateway + "#" + tokenId);
        Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, tokenId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    /**
     * True when the token is one of this gateway's; constant-time on the secret. Store errors propagate; so does
     * {@link LookupsExhausted} when the token id is not remembered and the lookup budget is spent (no read made).
     */
    public boolean verify(String gateway, String token) {
        Matcher m = token == null ? null : FORMAT.matcher(token);
        if (m == null || !m.matches()) {
            return false;
        }
        String cacheKey = gateway + "#" + m.group(1);
        byte[] expected = known.get(cacheKey);
        if (expected == null) {
            if (unknown.get(cacheKey) != null) {
                expected = NONE;
            } else {
                if (!budget.tryAcquire()) {
                    throw new LookupsExhausted();
                }
                Optional<byte[]> stored = stored(gateway, m.group(1));
                if (stored.isPresent()) {
                    expected = stored.get();
                    known.put(cacheKey, expected);
                } else {
                    expected = NONE;
                    unknown.put(cacheKey, Boolean.TRUE);
                }
            }
        }
        return Secrets.matches(expected, m.group(2));
    }

    /** Token ids remembered, known and unknown (tests: the bound holds). */
    int remembered() {
        return known.size() + unknown.size();
    }

    private Optional<byte[]> stored(String gateway, String tokenId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(gateway, tokenId))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(HexFormat.of().parseHex(item.get("hash").s()));
    }

    private static Map<String, AttributeValue> key(String gateway, String tokenId) {
        return Map.of(TableSchema.PK, AttributeValue.fromS("GW#" + gateway),
                TableSchema.SK, AttributeValue.fromS("TOKEN#" + tokenId));
    }

}
