package io.aigateway.cache;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** CONTRACT STUB (being implemented): cached responses, in memory in front of DynamoDB. */
public final class CacheStore {
    public CacheStore(DynamoDbClient dynamo, String table, long memoryBytes) {
    }
}
