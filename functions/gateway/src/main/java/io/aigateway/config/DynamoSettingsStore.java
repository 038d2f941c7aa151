package io.aigateway.config;

import io.aigateway.core.Json;
import io.aigateway.store.Keys;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gateway settings in the one table: {@code pk = GATEWAYS, sk = {gateway id}}, the settings as a JSON string.
 * One partition holds every gateway, so listing them is one Query (no Scan).
 */
public final class DynamoSettingsStore implements SettingsStore {
    private static final String PARTITION = Keys.SETTINGS_PARTITION;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Map<String, String> env;

    public DynamoSettingsStore(DynamoDbClient dynamo, String table, Map<String, String> env) {
        this.dynamo = dynamo;
        this.table = table;
        this.env = env;
    }

    @Override
    public Optional<GatewaySettings> get(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(key(id))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(parse(id, item));
    }

    @Override
    public List<GatewaySettings> list() {
        List<GatewaySettings> all = new ArrayList<>();
        for (Map<String, AttributeValue> item : TableSchema.partition(dynamo, table, PARTITION, false)) {
            all.add(parse(item.get(TableSchema.SK).s(), item));
        }
        return all;
    }

    @Override
    public void put(GatewaySettings settings) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(key(settings.id()));
        item.put("settings", AttributeValue.fromS(settings.toJson().toString()));
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    /**
     * Stores {@code settings} only if the gateway has none stored yet (a conditional write); false when it has.
     * Creating the {@code default} gateway on first use never overwrites what an admin stored meanwhile.
     */
    @Override
    public boolean putIfAbsent(GatewaySettings settings) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(key(settings.id()));
        item.put("settings", AttributeValue.fromS(settings.toJson().toString()));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", TableSchema.PK)));
            return true;
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException exists) {
            return false;
        }
    }

    @Override
    public boolean delete(String id) {
        Map<String, AttributeValue> old = dynamo.deleteItem(b -> b.tableName(table).key(key(id))
                .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    private GatewaySettings parse(String id, Map<String, AttributeValue> item) {
        try {
            return GatewaySettings.fromJson(id, Json.MAPPER.readTree(item.get("settings").s()), env);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored settings of gateway " + id + " are not JSON", e);
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(PARTITION), TableSchema.SK, AttributeValue.fromS(id));
    }
}
