package io.aigateway.byok;

import io.aigateway.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Provider keys in Secrets Manager, against moto_server through the SDK's endpoint override. */
class SecretsManagerVaultTest {
    private static MotoServer moto;
    private static SecretsManagerClient client;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        URI endpoint = moto.endpoint();
        client = SecretsManagerClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(software.amazon.awssdk.http.apache5.Apache5HttpClient.create()).build();
    }

    @AfterAll
    static void stopMoto() {
        if (client != null) {
            client.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void storesRotatesDeletesAndStoresAgainUnderTheSameName() {
        SecretsManagerVault vault = new SecretsManagerVault(client, "ai-gateway/test-table");
        String ref = vault.put("gw/openai/default", "sk-one", null);
        assertTrue(ref.startsWith("arn:"), ref);
        assertEquals("sk-one", vault.get(ref));
        String name = client.describeSecret(b -> b.secretId(ref)).name();
        assertTrue(name.startsWith("ai-gateway/test-table/gw/openai/default/"), name);

        assertEquals(ref, vault.put("gw/openai/default", "sk-two", ref), "rotation keeps the secret");
        assertEquals("sk-two", vault.get(ref));

        vault.delete(ref); // scheduled for deletion: its name stays taken for the recovery window
        assertThrows(RuntimeException.class, () -> vault.get(ref));
        String again = vault.put("gw/openai/default", "sk-three", null);
        assertNotEquals(ref, again, "a fresh secret, so delete-then-store works at once");
        assertEquals("sk-three", vault.get(again));
    }
}
