package io.aigateway.byok;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Provider keys in Secrets Manager, against moto_server through the SDK's endpoint override. */
class SecretsManagerVaultTest {
    private static Process moto;
    private static SecretsManagerClient client;

    @BeforeAll
    static void startMoto() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try {
            moto = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            fail("moto_server is needed for this test: python3 -m pip install 'moto[server]'");
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                http.send(HttpRequest.newBuilder(endpoint).build(), HttpResponse.BodyHandlers.discarding());
                break;
            } catch (IOException notYet) {
                if (i > 150) {
                    fail("moto_server did not start on " + endpoint);
                }
                Thread.sleep(100);
            }
        }
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
            moto.destroy();
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
