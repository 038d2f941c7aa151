package io.aigateway.auth;

import io.aigateway.core.Hashing;

import java.security.MessageDigest;

/** Bearer credentials: only hashes are kept, and comparisons take the same time whatever the input. */
public final class Secrets {
    private Secrets() {
    }

    /** The token of an {@code Authorization}-style {@code Bearer <token>} value, or null. */
    public static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    public static byte[] sha256(String value) {
        return Hashing.sha256(value);
    }

    /** Constant-time: both sides are hashes, so neither content nor length of the presented secret leaks. */
    public static boolean matches(byte[] expectedHash, String presented) {
        return expectedHash != null && expectedHash.length > 0 && presented != null
                && MessageDigest.isEqual(expectedHash, sha256(presented));
    }
}
