package io.aigateway.store;

/**
 * Every partition key of the one table, built in one place. Ids come from gateway ids, days and hours, digests:
 * a key built twice is built the same way, and a reader can see the whole key space here.
 *
 * <pre>
 *   LOG#{gateway}#{yyyy-MM-dd}#{shard}          request logs (sk = log id), their body parts
 *   FBPENDING#{gateway}                          feedback for logs not ingested yet
 *   AGG#{gateway}#{dimension}#{yyyy-MM-ddTHH}    analytics rollups (sk = value#shard)
 *   RL#{gateway}#{scope}#{windowStart}           rate-limit counters (sk = "w")
 *   CACHE#{gateway}#{sha256}                     cache entries
 *   GATEWAYS                                     gateway settings (sk = gateway id)
 *   GW#{gateway}                                 gateway tokens (sk = TOKEN#{id}), stored provider keys
 *                                                (sk = PKEY#{provider}#{alias})
 *   SPEND#{gateway}#{rule}#{windowStart}         spend and token budget counters (sk = bucket digest, or "all")
 *   SETTLED#{gateway}#{log id}                   a request's budget settlement was applied (sk = "s"; ingest)
 *   SPENT#{gateway}                              buckets of observe-mode rules that reached their limit
 *                                                (sk = bucket pk|sk), read by the gateway every few seconds
 *   ALERT#{bucket pk}                            spend alerts sent (sk = bucket sk#threshold)
 * </pre>
 */
public final class Keys {
    public static final String SETTINGS_PARTITION = "GATEWAYS";
    public static final String TOKEN_PREFIX = "TOKEN#";
    public static final String PROVIDER_KEY_PREFIX = "PKEY#";

    private Keys() {
    }

    public static String logs(String gateway, String day, int shard) {
        return "LOG#" + gateway + "#" + day + "#" + shard;
    }

    public static String pendingFeedback(String gateway) {
        return "FBPENDING#" + gateway;
    }

    /** The prefix of one gateway's rollup partitions; {@link #rollup} completes it. */
    public static String rollupPrefix(String gateway) {
        return "AGG#" + gateway + "#";
    }

    public static String rollup(String gateway, String dimension, String hour) {
        return rollupPrefix(gateway) + dimension + "#" + hour;
    }

    public static String rateLimit(String gateway, String scope, long windowStartSeconds) {
        return "RL#" + gateway + "#" + scope + "#" + windowStartSeconds;
    }

    public static String cache(String gateway, String hex) {
        return "CACHE#" + gateway + "#" + hex;
    }

    public static String gateway(String gateway) {
        return "GW#" + gateway;
    }

    public static String token(String tokenId) {
        return TOKEN_PREFIX + tokenId;
    }

    /** The sort key of a stored provider key, under {@link #gateway}. */
    public static String providerKey(String provider, String alias) {
        return PROVIDER_KEY_PREFIX + provider + "#" + alias;
    }

    public static String spend(String gateway, String ruleId, long windowStartSeconds) {
        return "SPEND#" + gateway + "#" + ruleId + "#" + windowStartSeconds;
    }

    /** Marks one request's budget settlement as applied (ingest: exactly once per log id). */
    public static String settled(String gateway, String logId) {
        return "SETTLED#" + gateway + "#" + logId;
    }

    /** The one partition listing a gateway's exhausted observe-mode buckets. */
    public static String spent(String gateway) {
        return "SPENT#" + gateway;
    }

    /** Alerts sent for the buckets of one rule window ({@code bucketPk} is a {@link #spend} key). */
    public static String alert(String bucketPk) {
        return "ALERT#" + bucketPk;
    }
}
