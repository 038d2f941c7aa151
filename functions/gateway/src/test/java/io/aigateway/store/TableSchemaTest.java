package io.aigateway.store;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aigateway.testing.DynamoDbLocal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class TableSchemaTest {
    private final DynamoDbClient dynamo = DynamoDbLocal.client();

    @Test
    void createsTheTableWithStringKeysOnDemandBillingAndTtlOnExpiresAt() {
        String table = DynamoDbLocal.newTable();

        TableDescription description = dynamo.describeTable(b -> b.tableName(table)).table();
        assertEquals(TableStatus.ACTIVE, description.tableStatus());
        assertEquals(List.of(
                        KeySchemaElement.builder().attributeName(TableSchema.PK).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(TableSchema.SK).keyType(KeyType.RANGE).build()),
                description.keySchema());
        description.attributeDefinitions().forEach(definition ->
                assertEquals("S", definition.attributeTypeAsString(), definition.attributeName()));
        assertEquals(BillingMode.PAY_PER_REQUEST, description.billingModeSummary().billingMode());

        TimeToLiveDescription ttl = dynamo.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
        assertEquals(TableSchema.EXPIRES_AT, ttl.attributeName());
        assertTrue(ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                || ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLING, () -> "TTL status " + ttl.timeToLiveStatus());
    }

    @Test
    void createIfMissingIsIdempotentAndKeepsTheData() {
        String table = DynamoDbLocal.newTable();
        Map<String, AttributeValue> key = Map.of(
                TableSchema.PK, AttributeValue.fromS("GW#default"),
                TableSchema.SK, AttributeValue.fromS("SETTINGS"));
        dynamo.putItem(b -> b.tableName(table).item(Map.of(
                TableSchema.PK, key.get(TableSchema.PK),
                TableSchema.SK, key.get(TableSchema.SK),
                "note", AttributeValue.fromS("kept"))));

        assertDoesNotThrow(() -> TableSchema.createIfMissing(dynamo, table));
        assertDoesNotThrow(() -> TableSchema.createIfMissing(dynamo, table));

        assertEquals("kept", dynamo.getItem(b -> b.tableName(table).key(key).consistentRead(true)).item().get("note").s());
        assertEquals(TableSchema.EXPIRES_AT,
                dynamo.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription().attributeName());
        assertEquals(1, dynamo.listTablesPaginator().tableNames().stream().filter(table::equals).count());
    }
}
