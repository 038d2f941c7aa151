package io.aigateway.store;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;

import java.util.Map;

/**
 * The one table: string keys {@value #PK}/{@value #SK}, TTL attribute {@value #EXPIRES_AT} (epoch seconds).
 * template.yaml declares the same table for AWS; the local runtime and the tests create it here.
 */
public final class TableSchema {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String EXPIRES_AT = "expiresAt";

    private TableSchema() {
    }

    /** Every item of one partition, page by page as iterated (the SDK's paginator). */
    public static Iterable<Map<String, AttributeValue>> partition(DynamoDbClient dynamo, String table, String pk,
                                                                  boolean consistent) {
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(consistent)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", PK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))).items();
    }

    /** The items of one partition whose sort key starts with {@code skPrefix}, page by page as iterated. */
    public static Iterable<Map<String, AttributeValue>> partition(DynamoDbClient dynamo, String table, String pk,
                                                                  String skPrefix, boolean consistent) {
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(consistent)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                        ":prefix", AttributeValue.fromS(skPrefix)))).items();
    }

    public static void createIfMissing(DynamoDbClient dynamo, String table) {
        try {
            dynamo.createTable(b -> b.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName(PK).attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName(SK).attributeType(ScalarAttributeType.S).build())
                    .keySchema(
                            KeySchemaElement.builder().attributeName(PK).keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName(SK).keyType(KeyType.RANGE).build()));
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(table));
            dynamo.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(
                    TimeToLiveSpecification.builder().attributeName(EXPIRES_AT).enabled(true).build()));
        } catch (ResourceInUseException alreadyThere) {
            // created by an earlier run or another instance
        }
    }
}
