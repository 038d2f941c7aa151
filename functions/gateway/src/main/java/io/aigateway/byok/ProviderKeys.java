package io.aigateway.byok;

import io.aigateway.config.ExpiringLru;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Stored provider keys (BYOK): an item per gateway, provider and alias ({@code pk = GW#{gateway}},
 * {@code sk = PKEY#{provider}#{alias}}) holding a reference into the {@link ProviderKeyVault}, never the key.
 * <p>
 * Keys are resolved per request from memory. What an instance remembers is tagged with the gateway's
 * {@code provider_keys_version} (a settings field the admin API bumps on every change), so a rotated or deleted key
 * is re-read on the instance's next settings refresh, within seconds, without asking the vault on every request
 * (Secrets Manager bills each call). Entries are also forgotten after {@link #REMEMBER_NANOS}, a backstop.
 */
public final class ProviderKeys {
    public static final String DEFAULT_ALIAS = "default";
    public static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final long REMEMBER_NANOS = 15L * 60 * 1_000_000_000;

    /** What the admin API shows of a stored key (never the key). */
    public record Info(String provider, String alias, String description, long createdAt, long updatedAt) {
    }

    private record Remembered(long version, String key) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final ProviderKeyVault vault;
    private final ExpiringLru<String, Remembered> remembered;

    public ProviderKeys(DynamoDbClient dynamo, String table, ProviderKeyVault vault) {
        this.dynamo = dynamo;
        this.table = table;
        this.vault = vault;
        this.remembered = new ExpiringLru<>(10_000, REMEMBER_NANOS, false, System::nanoTime);
    }

    /** Stores or replaces (rotates) a key. */
    public Info put(String gateway, String provider, String alias, String key, String description, long now) {
        Map<String, AttributeValue> old = dynamo.getItem(b -> b.tableName(table).key(key(gateway, provider, alias))
                .consistentRead(true)).item();
        boolean exists = old != null && !old.isEmpty();
        String ref = vault.put(gateway + "/" + provider + "/" + alias, key, exists ? old.get("ref").s() : null);
        long created = exists ? Long.parseLong(old.get("created_at").n()) : now;
        Map<String, AttributeValue> item = new HashMap<>(key(gateway, provider, alias));
        item.put("ref", AttributeValue.fromS(ref));
        item.put("description", AttributeValue.fromS(description == null ? "" : description));
        item.put("created_at", AttributeValue.fromN(Long.toString(created)));
        item.put("updated_at", AttributeValue.fromN(Long.toString(now)));
        dynamo.putItem(b -> b.tableName(table).item(item));
        remembered.remove(cacheKey(gateway, provider, alias));
        return new Info(provider, alias, description == null ? "" : description, created, now);
    }

    public List<Info> list(String gateway) {
        List<Info> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, Keys.gateway(gateway),
                Keys.PROVIDER_KEY_PREFIX, false)) {
            out.add(info(item));
        }
        return out;
    }

    public Optional<Info> get(String gateway, String provider, String alias) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(gateway, provider, alias))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(info(item));
    }

    public boolean delete(String gateway, String provider, String alias) {
        Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, provider, alias))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        remembered.remove(cacheKey(gateway, provider, alias));
        if (old == null || old.isEmpty()) {
            return false;
        }
        vault.delete(old.get("ref").s());
        return true;
    }

    /**
     * The key to inject, from memory when remembered under {@code version}; else read (item, then vault) and
     * remembered, an absent key included. Store and vault errors propagate.
     */
    public Optional<String> resolve(String gateway, String provider, String alias, long version) {
        String cacheKey = cacheKey(gateway, provider, alias);
        Remembered r = remembered.get(cacheKey);
        if (r == null || r.version() != version) {
            Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                    .key(key(gateway, provider, alias))).item();
            String key = item == null || item.isEmpty() ? null : vault.get(item.get("ref").s());
            r = new Remembered(version, key);
            remembered.put(cacheKey, r);
        }
        return Optional.ofNullable(r.key());
    }

    private static Info info(Map<String, AttributeValue> item) {
        String[] parts = item.get(TableSchema.SK).s().split("#", 3);
        return new Info(parts[1], parts[2], item.get("description").s(), Long.parseLong(item.get("created_at").n()),
                Long.parseLong(item.get("updated_at").n()));
    }

    private static String cacheKey(String gateway, String provider, String alias) {
        return gateway + "\u0000" + provider + "\u0000" + alias;
    }

    private static Map<String, AttributeValue> key(String gateway, String provider, String alias) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(Keys.gateway(gateway)),
                TableSchema.SK, AttributeValue.fromS(Keys.providerKey(provider, alias)));
    }
}
