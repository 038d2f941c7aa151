package io.aigateway.sigv4;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.util.regex.Pattern;

/**
 * The stored form of AWS credentials for {@code aws-bedrock} (a stored provider key):
 * {@code <access key id>:<secret access key>[:<session token>]}. One line, so it fits the provider-key store as it is;
 * none of the three parts can hold a ':' (access key ids are upper-case letters and digits, secrets and session
 * tokens are base64).
 */
public final class AwsKey {
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9+/=]{16,128}");
    private static final Pattern SESSION_TOKEN = Pattern.compile("[A-Za-z0-9+/=]{16,8000}");
    public static final String SHAPE = "<access key id>:<secret access key>[:<session token>]";

    private AwsKey() {
    }

    /**
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public static AwsCredentialsIdentity parse(String key) {
        String[] parts = key.trim().split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("an aws-bedrock key holds AWS credentials as " + SHAPE
                    + " (two or three parts separated by ':')");
        }
        if (!ACCESS_KEY_ID.matcher(parts[0]).matches()) {
            throw new IllegalArgumentException("the access key id (first part) must be 16-128 upper-case letters and"
                    + " digits, such as AKIA... or ASIA...");
        }
        if (!SECRET.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("the secret access key (second part) must be 16-128 base64 characters");
        }
        if (parts.length == 3) {
            if (!SESSION_TOKEN.matcher(parts[2]).matches()) {
                throw new IllegalArgumentException("the session token (third part) must be base64 characters");
            }
            return AwsSessionCredentialsIdentity.create(parts[0], parts[1], parts[2]);
        }
        return AwsCredentialsIdentity.create(parts[0], parts[1]);
    }
}
