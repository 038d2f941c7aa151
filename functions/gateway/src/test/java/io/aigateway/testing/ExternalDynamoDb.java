package io.aigateway.testing;

import java.net.URI;

/**
 * Another DynamoDB for the store tests: when an implementation is on the test classpath (ServiceLoader), the tests
 * run against it instead of the in-process DynamoDB Local. The {@code localstack} Maven profile adds one that starts
 * LocalStack with Testcontainers: {@code mvn -Plocalstack verify} (needs a Docker engine).
 */
public interface ExternalDynamoDb {
    /** Starts the store and returns its endpoint. */
    URI start();

    void stop();
}
