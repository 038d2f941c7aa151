package io.aigateway.byok;

import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Provider keys in AWS Secrets Manager, one secret per stored key, named
 * {@code {prefix}/{gateway}/{provider}/{alias}/{random suffix}}. A deleted secret keeps its name for its recovery
 * window (7 days here, so a mistaken delete can be undone), so every new secret gets a fresh suffix: deleting a key
 * and storing it again works at once. Rotation puts a new value into the same secret.
 */
public final class SecretsManagerVault implements ProviderKeyVault {
    private static final long RECOVERY_DAYS = 7;

    private final java.util.function.Supplier<SecretsManagerClient> client;
    private final String prefix;
    private final SecureRandom random = new SecureRandom();
    private volatile SecretsManagerClient secrets;

    /** @param prefix names every secret of this deployment (the template grants access to {@code prefix/*}) */
    public SecretsManagerVault(SecretsManagerClient secrets, String prefix) {
        this(() -> secrets, prefix);
    }

    /** The client is made on first use: a gateway that stores no keys never builds it (cold start). */
    public SecretsManagerVault(java.util.function.Supplier<SecretsManagerClient> client, String prefix) {
        this.client = client;
        this.prefix = prefix;
    }

    private SecretsManagerClient secrets() {
        SecretsManagerClient c = secrets;
        if (c == null) {
            synchronized (this) {
                if (secrets == null) {
                    secrets = client.get();
                }
                c = secrets;
            }
        }
        return c;
    }

    @Override
    public String put(String name, String secret, String existingRef) {
        if (existingRef != null) {
            secrets().putSecretValue(b -> b.secretId(existingRef).secretString(secret));
            return existingRef;
        }
        byte[] suffix = new byte[6];
        random.nextBytes(suffix);
        String full = prefix + "/" + name + "/" + HexFormat.of().formatHex(suffix);
        return secrets().createSecret(b -> b.name(full).secretString(secret)
                .description("AI gateway provider key (stored through the admin API)")).arn();
    }

    @Override
    public String get(String ref) {
        return secrets().getSecretValue(b -> b.secretId(ref)).secretString();
    }

    @Override
    public void delete(String ref) {
        secrets().deleteSecret(b -> b.secretId(ref).recoveryWindowInDays(RECOVERY_DAYS));
    }
}
