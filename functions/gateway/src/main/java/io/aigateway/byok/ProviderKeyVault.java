package io.aigateway.byok;

/**
 * Where stored provider keys live; the table holds only a reference to each. On AWS: Secrets Manager
 * ({@link SecretsManagerVault}); locally: a file under {@code --data}, encrypted ({@link LocalFileVault}).
 */
public interface ProviderKeyVault {
    /**
     * Stores {@code secret}: a new entry named after {@code name} when {@code existingRef} is null, else a new value
     * of that entry (rotation). Returns the reference to keep.
     */
    String put(String name, String secret, String existingRef);

    /** The secret behind a reference; throws when it is gone. */
    String get(String ref);

    void delete(String ref);

    /** Keys held in this process only (tests, {@code --in-memory}). */
    static ProviderKeyVault inMemory() {
        java.util.Map<String, String> values = new java.util.concurrent.ConcurrentHashMap<>();
        return new ProviderKeyVault() {
            @Override
            public String put(String name, String secret, String existingRef) {
                String ref = existingRef != null ? existingRef : "mem:" + name + "/" + java.util.UUID.randomUUID();
                values.put(ref, secret);
                return ref;
            }

            @Override
            public String get(String ref) {
                String v = values.get(ref);
                if (v == null) {
                    throw new IllegalStateException("no stored key under " + ref);
                }
                return v;
            }

            @Override
            public void delete(String ref) {
                values.remove(ref);
            }
        };
    }
}
