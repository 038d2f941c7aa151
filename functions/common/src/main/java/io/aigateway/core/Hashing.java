package io.aigateway.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one digest the gateway uses (cache keys, rate-limit keys, token hashes). */
public final class Hashing {
    private static final HexFormat HEX = HexFormat.of();

    private Hashing() {
    }

    /** A fresh digest, for hashing several parts. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    /** SHA-256 of the string's UTF-8 bytes. */
    public static byte[] sha256(String value) {
        return sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex of the SHA-256 of the string's UTF-8 bytes. */
    public static String sha256Hex(String value) {
        return HEX.formatHex(sha256(value));
    }

    /** Lower-case hex. */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
