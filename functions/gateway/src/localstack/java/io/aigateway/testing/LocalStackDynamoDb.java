package io.aigateway.testing;

import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;

/**
 * The store tests on LocalStack (profile {@code localstack}, needs Docker): one container per test JVM, DynamoDB
 * only. LocalStack accepts any credentials, so the tests' fixed ones work unchanged.
 */
public final class LocalStackDynamoDb implements ExternalDynamoDb {
    private static final String IMAGE = System.getProperty("localstack.image", "localstack/localstack:4.4");
    private LocalStackContainer container;

    @Override
    public URI start() {
        container = new LocalStackContainer(DockerImageName.parse(IMAGE)).withServices(LocalStackContainer.Service.DYNAMODB);
        container.start();
        return container.getEndpoint();
    }

    @Override
    public void stop() {
        if (container != null) {
            container.stop();
        }
    }
}
