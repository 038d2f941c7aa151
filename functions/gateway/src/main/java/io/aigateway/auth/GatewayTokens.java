package io.aigateway.auth;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway tokens for authenticated gateways. A token is {@code aigw_{id}_{secret}}: the id finds the stored item
 * ({@code pk = GW#{gateway}, sk = TOKEN#{id}}), which holds only the SHA-256 of the secret; the secret is shown once
 * at creation and never stored. Verified hashes are remembered for a few seconds, so a revoked token stops
 * working everywhere within that time and a busy gateway does not read the store on every request.
 */
public final class GatewayTokens {
    private static final Pattern FORMAT = Pattern.compile("aigw_([a-z0-9]{16})_([A-Za-z0-9_-]{43})");
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    public record TokenInfo(String id, String name, long createdAt) {
    }

    public record Created(TokenInfo info, String token) {
    }

    private record Remembered(byte[] hash, long until) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final long rememberNanos;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    public GatewayTokens(DynamoDbClient dynamo, String table, long rememberMillis) {
        this.dynamo = dynamo;
        this.table = table;
        this.rememberNanos = rememberMillis * 1_000_000;
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
        remembered.remove(gateway + "#" + tokenId);
        Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, tokenId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    /** True when the token is one of this gateway's; constant-time on the secret. Store errors propagate. */
    public boolean verify(String gateway, String token) {
        Matcher m = token == null ? null : FORMAT.matcher(token);
        if (m == null || !m.matches()) {
            return false;
        }
        String cacheKey = gateway + "#" + m.group(1);
        long now = System.nanoTime();
        Remembered r = remembered.get(cacheKey);
        byte[] expected;
        if (r != null && now < r.until()) {
            expected = r.hash();
        } else {
            expected = stored(gateway, m.group(1)).orElse(new byte[0]);
            remembered.put(cacheKey, new Remembered(expected, now + rememberNanos));
        }
        return Secrets.matches(expected, m.group(2));
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
