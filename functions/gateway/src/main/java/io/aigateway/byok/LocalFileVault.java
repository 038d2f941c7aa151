package io.aigateway.byok;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;

/**
 * Provider keys of the local runtime, encrypted in {@code {dir}/provider-keys.json} with AES-256-GCM under a key in
 * {@code {dir}/provider-keys.key} (made on first use, readable and writable by the owner only, as is the data
 * file). Each value is sealed with a fresh 96-bit nonce and bound to its reference (additional authenticated data),
 * so a value copied under another reference does not decrypt. Writes replace the file atomically.
 */
public final class LocalFileVault implements ProviderKeyVault {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final int NONCE_BYTES = 12;

    private final Path data;
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public LocalFileVault(Path dir) {
        try {
            Files.createDirectories(dir);
            this.data = dir.resolve("provider-keys.json");
            this.key = new SecretKeySpec(keyBytes(dir.resolve("provider-keys.key")), "AES");
        } catch (IOException e) {
            throw new UncheckedIOException("provider key store under " + dir + " not usable", e);
        }
    }

    private byte[] keyBytes(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            random.nextBytes(fresh);
            Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            write(tmp, fresh);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != 32) {
            throw new IOException(file + " must hold 32 bytes (an AES-256 key)");
        }
        return bytes;
    }

    @Override
    public synchronized String put(String name, String secret, String existingRef) {
        String ref = existingRef != null ? existingRef : "local:" + name + "/" + UUID.randomUUID();
        ObjectNode all = read();
        all.put(ref, seal(ref, secret));
        save(all);
        return ref;
    }

    @Override
    public synchronized String get(String ref) {
        ObjectNode all = read();
        if (!all.has(ref)) {
            throw new IllegalStateException("no stored key under " + ref);
        }
        return open(ref, all.get(ref).asText());
    }

    @Override
    public synchronized void delete(String ref) {
        ObjectNode all = read();
        if (all.remove(ref) != null) {
            save(all);
        }
    }

    private String seal(String ref, String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(ref.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("provider key not encrypted", e);
        }
    }

    private String open(String ref, String value) {
        try {
            byte[] in = Base64.getDecoder().decode(value);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE_BYTES));
            c.updateAAD(ref.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("stored provider key " + ref + " does not decrypt with "
                    + "provider-keys.key (was the key file replaced?)");
        }
    }

    private ObjectNode read() {
        try {
            if (!Files.exists(data)) {
                return Json.MAPPER.createObjectNode();
            }
            return (ObjectNode) Json.MAPPER.readTree(data.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void save(ObjectNode all) {
        try {
            Path tmp = data.resolveSibling(data.getFileName() + "." + UUID.randomUUID() + ".tmp");
            write(tmp, Json.MAPPER.writeValueAsBytes(all));
            Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates the file with owner-only permissions from the start (no window where others could read it). */
    private static void write(Path file, byte[] bytes) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.write(file, bytes);
    }
}
