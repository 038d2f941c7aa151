package io.aigateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.ExpiringLru;
import io.aigateway.config.VirtualKey;
import io.aigateway.core.Json;
import io.aigateway.config.LookupBudget;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway tokens (virtual keys) for authenticated gateways: each carries a {@link VirtualKey} policy (identity,
 * allowed providers and models, expiry, limits) stored beside its hash. A token is {@code aigw_{id}_{secret}}: the id finds the stored item
 * ({@code pk = GW#{gateway}, sk = TOKEN#{id}}), which holds only the SHA-256 of the secret; the secret is shown once
 * at creation and never stored. What a token id looked up to (a hash, or nothing) is remembered for a few seconds,
 * so a revoked token stops working everywhere within that time and a busy gateway does not read the store on every
 * request. Token ids come from clients, so what is remembered is bounded (size and age, known and unknown ids apart,
 * so random ids never push out real tokens), and reads for ids not remembered draw on a {@link LookupBudget}.
 */
public final class GatewayTokens {
    private static final Pattern FORMAT = Pattern.compile("aigw_([a-z0-9]{16})_([A-Za-z0-9_-]{43})");
    private static final Pattern ID = Pattern.compile("[a-z0-9]{16}");
    private static final String POLICY = "policy";
    private static final String REVOKED_AT = "revoked_at";
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** A new or rotated key: the token is shown this once and never stored. */
    public record Created(VirtualKey key, String token) {
    }

    /** What checking a presented token found. */
    public sealed interface Check {
        /** Not a token of this gateway (unknown id, wrong secret, or not a token at all). */
        record Invalid() implements Check {
        }

        /** The secret matched, but the key is revoked or expired: refused with 2045. */
        record Refused(VirtualKey key, String reason) implements Check {
        }

        record Valid(VirtualKey key) implements Check {
        }
    }

    private static final Check INVALID = new Check.Invalid();

    /** A token id's stored hash and key, remembered together. */
    private record Stored(byte[] hash, VirtualKey key) {
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


    private final DynamoDbClient dynamo;
    private final String table;
    private final SecureRandom random = new SecureRandom();
    /** Stored hashes and keys by gateway and token id, each for at most the remember time. */
    private final ExpiringLru<String, Stored> known;
    private final LongSupplier wallClock;
    /** Token ids that have no stored item, for the same time: a repeated wrong token costs no read. */
    private final ExpiringLru<String, Boolean> unknown;
    private final LookupBudget budget;

    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis) {
        this(dynamo, table, rememberMillis, Limits.standard(), System::nanoTime, System::currentTimeMillis);
    }

    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis, Limits limits,
                         LongSupplier nanoClock) {
        this(dynamo, table, rememberMillis, limits, nanoClock, System::currentTimeMillis);
    }

    /** @param wallClock epoch milliseconds, for key expiry */
    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis, Limits limits,
                         LongSupplier nanoClock, LongSupplier wallClock) {
        this.wallClock = wallClock;
        this.dynamo = dynamo;
        this.table = table;
        long rememberNanos = Math.max(1, rememberMillis) * 1_000_000;
        this.known = new ExpiringLru<>(limits.maxKnown(), rememberNanos, false, nanoClock);
        this.unknown = new ExpiringLru<>(limits.maxUnknown(), rememberNanos, false, nanoClock);
        this.budget = new LookupBudget(limits.lookupsPerSecond(), limits.lookupBurst(), nanoClock);
    }

    /** A key with only a name (tokens as they were before keys had policies). */
    public Created create(String gateway, String name, long now) {
        return create(gateway, Json.MAPPER.createObjectNode().put("name", name), now);
    }

    /** A new key from an admin POST body (validated: a 400 naming the field). */
    public Created create(String gateway, JsonNode body, long now) {
        String tokenId = newId();
        VirtualKey key = VirtualKey.create(tokenId, body, now);
        String secret = newSecret();
        Map<String, AttributeValue> item = new HashMap<>(key(gateway, tokenId));
        item.put("name", AttributeValue.fromS(key.name()));
        item.put("hash", AttributeValue.fromS(HexFormat.of().formatHex(Secrets.sha256(secret))));
        item.put("created_at", AttributeValue.fromN(Long.toString(now)));
        item.put(POLICY, AttributeValue.fromS(key.policyJson().toString()));
        dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", TableSchema.PK)));
        unknown.remove(gateway + "#" + tokenId);
        return new Created(key, token(tokenId, secret));
    }

    public List<VirtualKey> list(String gateway) {
        List<VirtualKey> keys = new ArrayList<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, Keys.gateway(gateway),
                Keys.TOKEN_PREFIX, false)) {
            keys.add(keyOf(item.get(TableSchema.SK).s().substring(Keys.TOKEN_PREFIX.length()), item));
        }
        return keys;
    }

    public Optional<VirtualKey> get(String gateway, String tokenId) {
        if (!ID.matcher(tokenId).matches()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(gateway, tokenId))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(keyOf(tokenId, item));
    }

    /** Applies a PATCH body to a key; empty when there is no such key. Takes effect everywhere within seconds. */
    public Optional<VirtualKey> update(String gateway, String tokenId, JsonNode body, long now) {
        Optional<VirtualKey> current = get(gateway, tokenId);
        if (current.isEmpty()) {
            return current;
        }
        VirtualKey updated = current.get().patch(body, now);
        if (!conditionalUpdate(gateway, tokenId, "SET #name = :name, #policy = :policy", Map.of(
                "#name", "name", "#policy", POLICY), Map.of(":name", AttributeValue.fromS(updated.name()),
                ":policy", AttributeValue.fromS(updated.policyJson().toString())))) {
            return Optional.empty();
        }
        known.remove(gateway + "#" + tokenId);
        return Optional.of(updated);
    }

    /** A new secret for the key (same id, identity and policy); the old secret stops working. */
    public Optional<Created> rotate(String gateway, String tokenId) {
        Optional<VirtualKey> current = get(gateway, tokenId);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        String secret = newSecret();
        if (!conditionalUpdate(gateway, tokenId, "SET #hash = :hash", Map.of("#hash", "hash"),
                Map.of(":hash", AttributeValue.fromS(HexFormat.of().formatHex(Secrets.sha256(secret)))))) {
            return Optional.empty();
        }
        known.remove(gateway + "#" + tokenId);
        return Optional.of(new Created(current.get(), token(tokenId, secret)));
    }

    /** Marks the key revoked: it is refused with 2045 (and kept, so its logs still name it). */
    public Optional<VirtualKey> revoke(String gateway, String tokenId, long now) {
        Optional<VirtualKey> current = get(gateway, tokenId);
        if (current.isEmpty()) {
            return current;
        }
        if (current.get().revoked()) {
            return current;
        }
        if (!conditionalUpdate(gateway, tokenId, "SET #revoked = :now", Map.of("#revoked", REVOKED_AT),
                Map.of(":now", AttributeValue.fromN(Long.toString(now))))) {
            return Optional.empty();
        }
        known.remove(gateway + "#" + tokenId);
        return Optional.of(current.get().revokedAt(now));
    }

    /** Deletes the key: its token becomes unknown (2007). */
    public boolean delete(String gateway, String tokenId) {
        if (!ID.matcher(tokenId).matches()) {
            return false;
        }
        known.remove(gateway + "#" + tokenId);
        Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, tokenId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    private boolean conditionalUpdate(String gateway, String tokenId, String expression, Map<String, String> names,
                                      Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#pk", TableSchema.PK);
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(gateway, tokenId)).updateExpression(expression)
                    .conditionExpression("attribute_exists(#pk)").expressionAttributeNames(allNames)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException gone) {
            return false;
        }
    }

    private String newId() {
        char[] id = new char[16];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return new String(id);
    }

    private String newSecret() {
        byte[] secretBytes = new byte[32];
        random.nextBytes(secretBytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    }

    private static String token(String tokenId, String secret) {
        return "aigw_" + tokenId + "_" + secret;
    }

    private static VirtualKey keyOf(String tokenId, Map<String, AttributeValue> item) {
        AttributeValue policy = item.get(POLICY);
        AttributeValue revoked = item.get(REVOKED_AT);
        return VirtualKey.stored(tokenId, item.get("name").s(), Long.parseLong(item.get("created_at").n()),
                revoked == null ? null : Long.parseLong(revoked.n()), policy == null ? null : policy.s());
    }

    /**
     * Checks a presented token against this gateway's keys; constant-time on the secret. Store errors propagate; so
     * does {@link LookupsExhausted} when the token id is not remembered and the lookup budget is spent (no read made).
     */
    public Check check(String gateway, String token) {
        Matcher m = token == null ? null : FORMAT.matcher(token);
        if (m == null || !m.matches()) {
            return INVALID;
        }
        String cacheKey = gateway + "#" + m.group(1);
        Stored stored = known.get(cacheKey);
        if (stored == null) {
            if (unknown.get(cacheKey) != null) {
                return INVALID;
            }
            if (!budget.tryAcquire()) {
                throw new LookupsExhausted();
            }
            Optional<Stored> found = stored(gateway, m.group(1));
            if (found.isEmpty()) {
                unknown.put(cacheKey, Boolean.TRUE);
                return INVALID;
            }
            stored = found.get();
            known.put(cacheKey, stored);
        }
        if (!Secrets.matches(stored.hash(), m.group(2))) {
            return INVALID;
        }
        VirtualKey key = stored.key();
        if (key.revoked()) {
            return new Check.Refused(key, "was revoked at " + java.time.Instant.ofEpochMilli(key.revokedAt()));
        }
        if (key.expired(wallClock.getAsLong())) {
            return new Check.Refused(key, "expired at " + java.time.Instant.ofEpochMilli(key.expiresAt()));
        }
        return new Check.Valid(key);
    }

    /** True when the token is one of this gateway's and neither revoked nor expired. */
    public boolean verify(String gateway, String token) {
        return check(gateway, token) instanceof Check.Valid;
    }

    /** Token ids remembered, known and unknown (tests: the bound holds). */
    int remembered() {
        return known.size() + unknown.size();
    }

    private Optional<Stored> stored(String gateway, String tokenId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(gateway, tokenId))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Stored(HexFormat.of().parseHex(item.get("hash").s()), keyOf(tokenId, item)));
    }

    private static Map<String, AttributeValue> key(String gateway, String tokenId) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(Keys.gateway(gateway)),
                TableSchema.SK, AttributeValue.fromS(Keys.token(tokenId)));
    }

}
