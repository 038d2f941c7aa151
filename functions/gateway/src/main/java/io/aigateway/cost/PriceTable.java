package io.aigateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Public per-model prices by provider, read once from the {@code pricing.json} resource (a Jackson tree, no binding).
 *
 * <h2>Matching a model id</h2>
 * Provider-scoped, case-insensitive: the exact id (or an entry's alias) first, then the longest table id that the
 * model id starts with, <i>provided the rest only names a snapshot or variant</i>: dates and build numbers
 * ({@code -2024-07-18}, {@code -20250929}, {@code @20250929}, {@code -0613}, {@code -001}), version tags
 * ({@code -v1:0}), {@code latest}/{@code preview}/{@code exp}/{@code beta}, and {@code :variant} tags. So
 * {@code gpt-4o-mini-2024-07-18} prices as {@code gpt-4o-mini}, {@code claude-sonnet-4-5-20250929} as
 * {@code claude-sonnet-4-5}, but {@code gpt-4o-realtime-preview} is not taken for {@code gpt-4o}, nor a future
 * {@code gpt-5.2} for {@code gpt-5}: an unknown model is reported as unknown, never priced as a lookalike.
 * When nothing matches, the id is tried once more with dots as dashes ({@code claude-3.5-sonnet}).
 *
 * <p>Per provider, pricing.json may also say: {@code strip} (a regex removed first: Bedrock's region and ARN
 * prefixes), {@code vendor_prefixes} (ids like OpenRouter's {@code openai/gpt-4o-mini} or Bedrock's
 * {@code anthropic.claude-...} are priced from the vendor's own table), {@code same_as} (Azure OpenAI uses OpenAI's
 * table), {@code free_suffix} ({@code :free}), and {@code reports_cost} (the provider's own cost figure is trusted).
 */
public final class PriceTable {
    /** The resource the default table is read from. */
    public static final String RESOURCE = "/pricing.json";
    private static final int MEMO_LIMIT = 4096;
    private static final Set<String> PREVIEW_WORDS = Set.of("latest", "preview", "exp", "beta");

    /** A price found for a model: which provider's table and which entry matched. */
    public record Match(String provider, String modelKey, ModelPrice price) {
    }

    private record ProviderPrices(String slug, Map<String, ModelPrice> models, List<String> keysLongestFirst,
                                  Pattern strip, List<Map.Entry<String, String>> vendorPrefixes, List<String> sameAs,
                                  String freeSuffix, boolean reportsCost) {
    }

    private final Map<String, ProviderPrices> providers;
    private final Map<String, Optional<Match>> memo = new ConcurrentHashMap<>();

    private PriceTable(Map<String, ProviderPrices> providers) {
        this.providers = providers;
    }

    private static final class Default {
        static final PriceTable TABLE = loadResource();
    }

    /** The built-in table, loaded on first use and shared. */
    public static PriceTable defaults() {
        return Default.TABLE;
    }

    private static PriceTable loadResource() {
        try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PriceTable load(InputStream in) throws IOException {
        return fromJson(Json.MAPPER.readTree(in));
    }

    /** Builds a table from pricing.json's shape; a malformed entry fails here, naming it. */
    public static PriceTable fromJson(JsonNode root) {
        JsonNode list = root.path("providers");
        if (!list.isObject()) {
            throw new IllegalArgumentException("pricing: 'providers' must be an object");
        }
        Map<String, ProviderPrices> out = new LinkedHashMap<>();
        for (var p : list.properties()) {
            String slug = p.getKey();
            JsonNode node = p.getValue();
            String source = node.path("source").asText(null);
            String asOf = node.path("as_of").asText(null);
            Map<String, ModelPrice> models = new LinkedHashMap<>();
            for (var m : node.path("models").properties()) {
                ModelPrice price;
                try {
                    price = ModelPrice.fromJson(m.getValue());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("pricing: " + slug + " / " + m.getKey() + ": " + e.getMessage());
                }
                if (price.source() == null || price.asOf() == null) {
                    price = price.withSource(price.source() != null ? price.source() : source,
                            price.asOf() != null ? price.asOf() : asOf);
                }
                models.put(m.getKey().toLowerCase(Locale.ROOT), price);
                for (JsonNode alias : m.getValue().path("aliases")) {
                    models.put(alias.asText().toLowerCase(Locale.ROOT), price);
                }
            }
            List<String> keys = new ArrayList<>(models.keySet());
            keys.sort(Comparator.comparingInt(String::length).reversed());
            List<Map.Entry<String, String>> prefixes = new ArrayList<>();
            for (var v : node.path("vendor_prefixes").properties()) {
                prefixes.add(Map.entry(v.getKey().toLowerCase(Locale.ROOT), v.getValue().asText()));
            }
            prefixes.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
            List<String> sameAs = new ArrayList<>();
            for (JsonNode s : node.path("same_as")) {
                sameAs.add(s.asText());
            }
            String strip = node.path("strip").asText(null);
            out.put(slug, new ProviderPrices(slug, Map.copyOf(models), List.copyOf(keys),
                    strip == null ? null : Pattern.compile(strip, Pattern.CASE_INSENSITIVE), List.copyOf(prefixes),
                    List.copyOf(sameAs), node.path("free_suffix").asText(null), node.path("reports_cost").asBoolean(false)));
        }
        for (ProviderPrices p : out.values()) {
            for (String s : p.sameAs()) {
                require(out, s, p.slug());
            }
            for (var v : p.vendorPrefixes()) {
                require(out, v.getValue(), p.slug());
            }
        }
        return new PriceTable(Map.copyOf(out));
    }

    private static void require(Map<String, ProviderPrices> all, String slug, String from) {
        if (!all.containsKey(slug)) {
            throw new IllegalArgumentException("pricing: " + from + " refers to unknown provider " + slug);
        }
    }

    /** The price of {@code model} at {@code provider}, if the table knows it (see the class comment). */
    public Optional<Match> find(String provider, String model) {
        if (provider == null || model == null || model.isBlank()) {
            return Optional.empty();
        }
        String key = provider + '\n' + model;
        Optional<Match> hit = memo.get(key);
        if (hit != null) {
            return hit;
        }
        ProviderPrices p = providers.get(provider);
        Optional<Match> found = p == null ? Optional.empty() : Optional.ofNullable(lookup(p, normalize(model), 0));
        if (memo.size() >= MEMO_LIMIT) {
            memo.clear();
        }
        memo.put(key, found);
        return found;
    }

    /** True when pricing.json says this provider's own cost figure ({@code usage.cost}) is the real charge. */
    public boolean trustsProviderCost(String provider) {
        ProviderPrices p = provider == null ? null : providers.get(provider);
        return p != null && p.reportsCost();
    }

    /** The model id as the table compares it: decoded, lower case, the provider's {@code strip} prefix removed. */
    public String canonicalModel(String provider, String model) {
        if (model == null) {
            return null;
        }
        String m = normalize(model);
        ProviderPrices p = provider == null ? null : providers.get(provider);
        return p != null && p.strip() != null ? p.strip().matcher(m).replaceFirst("") : m;
    }

    public Set<String> providers() {
        return providers.keySet();
    }

    /** One provider's own entries (aliases included), keyed by lower-case model id. */
    public Map<String, ModelPrice> models(String provider) {
        ProviderPrices p = providers.get(provider);
        return p == null ? Map.of() : p.models();
    }

    private Match lookup(ProviderPrices p, String model, int depth) {
        if (depth > 3) {
            return null;
        }
        String m = p.strip() != null ? p.strip().matcher(model).replaceFirst("") : model;
        if (p.freeSuffix() != null && m.endsWith(p.freeSuffix())) {
            return new Match(p.slug(), m, ModelPrice.FREE);
        }
        Match found = match(p, m);
        if (found == null && m.indexOf('.') >= 0) {
            found = match(p, m.replace('.', '-'));
        }
        if (found != null) {
            return found;
        }
        for (var v : p.vendorPrefixes()) {
            if (m.startsWith(v.getKey()) && m.length() > v.getKey().length()) {
                found = lookup(providers.get(v.getValue()), m.substring(v.getKey().length()), depth + 1);
                if (found != null) {
                    return found;
                }
            }
        }
        for (String s : p.sameAs()) {
            found = lookup(providers.get(s), m, depth + 1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Match match(ProviderPrices p, String m) {
        ModelPrice exact = p.models().get(m);
        if (exact != null) {
            return new Match(p.slug(), m, exact);
        }
        String key = longestSnapshotPrefix(p.keysLongestFirst(), m);
        return key == null ? null : new Match(p.slug(), key, p.models().get(key));
    }

    /**
     * Finds a price in a gateway's own overrides (model id to price), matched like the table: exact, then the
     * longest id the model is a dated snapshot of. Case-insensitive.
     */
    public static Optional<Map.Entry<String, ModelPrice>> matchIn(Map<String, ModelPrice> prices, String model) {
        if (prices == null || prices.isEmpty() || model == null) {
            return Optional.empty();
        }
        String m = normalize(model);
        Map<String, ModelPrice> lower = new LinkedHashMap<>();
        prices.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        ModelPrice exact = lower.get(m);
        if (exact != null) {
            return Optional.of(Map.entry(m, exact));
        }
        List<String> keys = new ArrayList<>(lower.keySet());
        keys.sort(Comparator.comparingInt(String::length).reversed());
        String key = longestSnapshotPrefix(keys, m);
        return key == null ? Optional.empty() : Optional.of(Map.entry(key, lower.get(key)));
    }

    private static String longestSnapshotPrefix(List<String> keysLongestFirst, String m) {
        for (String key : keysLongestFirst) {
            if (key.length() < m.length() && m.startsWith(key) && isSnapshotSuffix(m.substring(key.length()))) {
                return key;
            }
        }
        return null;
    }

    /**
     * True when {@code rest} (what follows a table id in a model id) only names a snapshot or variant of it:
     * separated tokens that are dates or build numbers (three digits or more, or one or two digits after a number,
     * a version tag or a preview word), version tags ({@code v1}), {@code latest/preview/exp/beta}, or any
     * {@code :tag}.
     */
    static boolean isSnapshotSuffix(String rest) {
        if (rest.isEmpty() || !isSeparator(rest.charAt(0))) {
            return false;
        }
        boolean numberMayFollow = false;
        int i = 0;
        while (i < rest.length()) {
            char sep = rest.charAt(i++);
            int start = i;
            while (i < rest.length() && !isSeparator(rest.charAt(i))) {
                i++;
            }
            String token = rest.substring(start, i);
            if (token.isEmpty()) {
                return false;
            }
            if (sep == ':') {                       // Bedrock ":0", OpenRouter ":beta", context variants ":200k"
                if (!token.chars().allMatch(Character::isLetterOrDigit)) {
                    return false;
                }
                numberMayFollow = true;
            } else if (allDigits(token) && token.length() >= 3) {
                numberMayFollow = true;
            } else if (allDigits(token) && token.length() <= 2) {
                if (!numberMayFollow) {
                    return false;
                }
            } else if (token.length() > 1 && token.charAt(0) == 'v' && allDigits(token.substring(1))) {
                numberMayFollow = true;
            } else if (PREVIEW_WORDS.contains(token)) {
                numberMayFollow = true;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean isSeparator(char c) {
        return c == '-' || c == '@' || c == ':' || c == '.' || c == '_';
    }

    private static boolean allDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String normalize(String model) {
        String m = model.trim();
        if (m.indexOf('%') >= 0) {
            try {
                m = URLDecoder.decode(m, StandardCharsets.UTF_8); // Bedrock ids arrive URL-encoded in paths
            } catch (IllegalArgumentException ignored) {
                // keep it as it came
            }
        }
        m = m.toLowerCase(Locale.ROOT);
        if (m.startsWith("models/")) {                            // Gemini: models/gemini-2.5-flash
            m = m.substring("models/".length());
        }
        return m;
    }
}
