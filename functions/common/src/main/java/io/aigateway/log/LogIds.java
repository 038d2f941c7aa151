package io.aigateway.log;

import java.security.SecureRandom;

/**
 * Time-ordered log ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32, 26 characters), so
 * ids sort by creation time and a log's day and shard follow from its id alone. SecureRandom is restore-safe
 * under SnapStart; a seeded PRNG captured in a snapshot would repeat ids across instances.
 */
public final class LogIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int[] VALUES = new int[128];

    static {
        java.util.Arrays.fill(VALUES, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = i;
            VALUES[Character.toLowerCase(ALPHABET[i])] = i;
        }
    }

    private final SecureRandom random = new SecureRandom();

    public String next(long epochMillis) {
        byte[] entropy = new byte[10];
        random.nextBytes(entropy);
        return encode(epochMillis, entropy);
    }

    static String encode(long epochMillis, byte[] entropy) {
        char[] out = new char[26];
        long time = epochMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        // 80 bits of entropy -> 16 characters
        long hi = ((entropy[0] & 0xffL) << 32) | ((entropy[1] & 0xffL) << 24) | ((entropy[2] & 0xffL) << 16)
                | ((entropy[3] & 0xffL) << 8) | (entropy[4] & 0xffL);
        long lo = ((entropy[5] & 0xffL) << 32) | ((entropy[6] & 0xffL) << 24) | ((entropy[7] & 0xffL) << 16)
                | ((entropy[8] & 0xffL) << 8) | (entropy[9] & 0xffL);
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }

    /** True for a well-formed id; anything else is never looked up. */
    public static boolean isValid(String id) {
        if (id == null || id.length() != 26 || VALUES[id.charAt(0) & 127] > 7) {
            return false;
        }
        for (int i = 0; i < 26; i++) {
            char c = id.charAt(i);
            if (c >= 128 || VALUES[c] < 0) {
                return false;
            }
        }
        return true;
    }

    public static long timestamp(String id) {
        long time = 0;
        for (int i = 0; i < 10; i++) {
            time = (time << 5) | VALUES[id.charAt(i)];
        }
        return time;
    }

    /** The smallest id of a millisecond: a range bound for queries. */
    public static String lowest(long epochMillis) {
        return encode(epochMillis, new byte[10]);
    }

    /** The largest id of a millisecond. */
    public static String highest(long epochMillis) {
        byte[] ones = new byte[10];
        java.util.Arrays.fill(ones, (byte) 0xff);
        return encode(epochMillis, ones);
    }

    static int shard(String id, int shards) {
        return VALUES[Character.toUpperCase(id.charAt(25))] % shards;
    }
}
