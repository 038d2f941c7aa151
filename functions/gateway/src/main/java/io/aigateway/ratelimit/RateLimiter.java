package io.aigateway.ratelimit;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;

/** CONTRACT STUB (being implemented): rate-limit counters in DynamoDB. */
public final class RateLimiter {
    public RateLimiter(DynamoDbClient dynamo, String table, Clock clock) {
    }
}
