package io.aigateway.byok;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalFileVaultTest {

    @Test
    void keysAreEncryptedAtRestInOwnerOnlyFilesAndSurviveARestart(@TempDir Path dir) throws Exception {
        ProviderKeyVault vault = new LocalFileVault(dir);
        String ref = vault.put("gw/openai/default", "sk-very-secret-123", null);
        assertEquals("sk-very-secret-123", vault.get(ref));
        String onDisk = Files.readString(dir.resolve("provider-keys.json"));
        assertFalse(onDisk.contains("sk-very-secret"), onDisk);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("provider-keys.key"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("provider-keys.json"))));

        assertEquals(ref, vault.put("gw/openai/default", "sk-rotated", ref));
        assertEquals("sk-rotated", new LocalFileVault(dir).get(ref), "read back by a new process");
        vault.delete(ref);
        assertThrows(IllegalStateException.class, () -> vault.get(ref));
    }

    @Test
    void anotherKeyFileCannotOpenTheValues(@TempDir Path dir) throws Exception {
        String ref = new LocalFileVault(dir).put("gw/openai/default", "sk-x", null);
        Files.delete(dir.resolve("provider-keys.key"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new LocalFileVault(dir).get(ref));
        assertTrue(e.getMessage().contains("does not decrypt"), e.getMessage());
    }
}
