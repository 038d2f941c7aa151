package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

import java.util.List;

/**
 * The governance part of a gateway's settings: budgets and who may bring provider keys.
 *
 * @param spendLimits         {@code spend_limits}: USD budgets per window and bucket
 * @param tokenLimits         {@code token_limits}: token budgets per window and bucket
 * @param clientProviderKeys  {@code client_provider_keys}: whether a provider key the client sends is used
 *                            ({@code allow}, the default) or dropped in favour of the stored one ({@code deny})
 * @param providerKeysVersion {@code provider_keys_version}: bumped by the admin API whenever a stored provider key
 *                            changes, so every instance re-reads its keys on its next settings refresh (read only)
 * @param bedrockFunctionRole {@code bedrock_credentials}: {@code stored} (the default: the gateway signs Bedrock
 *                            requests only with a stored {@code aws-bedrock} key) or {@code function_role} (when no
 *                            key is stored, it signs with its own AWS identity, the function's role on Lambda)
 */
public record Governance(List<LimitRule> spendLimits, List<LimitRule> tokenLimits, boolean clientProviderKeys,
                         long providerKeysVersion, boolean bedrockFunctionRole) {

    public static final Governance NONE = new Governance(List.of(), List.of(), true, 0, false);

    public Governance(List<LimitRule> spendLimits, List<LimitRule> tokenLimits, boolean clientProviderKeys,
                      long providerKeysVersion) {
        this(spendLimits, tokenLimits, clientProviderKeys, providerKeysVersion, false);
    }

    /** The settings fields this record owns. */
    static boolean owns(String field) {
        return switch (field) {
            case "spend_limits", "token_limits", "client_provider_keys", "provider_keys_version",
                 "bedrock_credentials" -> true;
            default -> false;
        };
    }

    /** Applies one PUT field ({@link #owns} it). {@code provider_keys_version} is read only: ignored here. */
    Governance with(String field, JsonNode v) {
        return switch (field) {
            case "spend_limits" -> new Governance(LimitRule.parseList(field, v, LimitRule.Measure.SPEND), tokenLimits,
                    clientProviderKeys, providerKeysVersion, bedrockFunctionRole);
            case "token_limits" -> new Governance(spendLimits, LimitRule.parseList(field, v, LimitRule.Measure.TOKENS),
                    clientProviderKeys, providerKeysVersion, bedrockFunctionRole);
            case "bedrock_credentials" -> {
                String source = v.isTextual() ? v.asText() : "";
                if (!source.equals("stored") && !source.equals("function_role")) {
                    throw new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting 'bedrock_credentials': must be"
                            + " stored (the gateway signs Bedrock requests with a stored aws-bedrock key only) or"
                            + " function_role (with no stored key, it signs with its own AWS identity).");
                }
                yield new Governance(spendLimits, tokenLimits, clientProviderKeys, providerKeysVersion,
                        source.equals("function_role"));
            }
            case "client_provider_keys" -> {
                String mode = v.isTextual() ? v.asText() : "";
                if (!mode.equals("allow") && !mode.equals("deny")) {
                    throw new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting 'client_provider_keys': must be"
                            + " allow (a provider key the client sends is used) or deny (only stored keys are used).");
                }
                yield new Governance(spendLimits, tokenLimits, mode.equals("allow"), providerKeysVersion,
                        bedrockFunctionRole);
            }
            default -> this;
        };
    }

    public Governance withProviderKeysVersion(long version) {
        return new Governance(spendLimits, tokenLimits, clientProviderKeys, version, bedrockFunctionRole);
    }

    void writeTo(ObjectNode o) {
        o.set("spend_limits", LimitRule.toJson(spendLimits));
        o.set("token_limits", LimitRule.toJson(tokenLimits));
        o.put("client_provider_keys", clientProviderKeys ? "allow" : "deny");
        o.put("provider_keys_version", providerKeysVersion);
        o.put("bedrock_credentials", bedrockFunctionRole ? "function_role" : "stored");
    }

    /** Every budget rule of the gateway, spend rules first. */
    public List<LimitRule> rules() {
        if (tokenLimits.isEmpty()) {
            return spendLimits;
        }
        java.util.ArrayList<LimitRule> all = new java.util.ArrayList<>(spendLimits);
        all.addAll(tokenLimits);
        return List.copyOf(all);
    }
}
