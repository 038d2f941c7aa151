package io.aigateway.metrics;

import io.aigateway.config.ExpiringLru;
import io.aigateway.config.GatewaySettings;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.cost.ModelPrice;
import io.aigateway.cost.PriceTable;
import io.aigateway.provider.ProviderRegistry;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one place metric dimension values are made. Every metric series costs money, and gateway ids, provider slugs
 * and model names all come from clients, so a value becomes a dimension only when it belongs to a bounded set;
 * anything else is {@value #OTHER} (and a missing value {@value #UNKNOWN}). The request log keeps the raw values.
 * <ul>
 *   <li>Gateway: its own value only when it has stored settings (configured by an admin), never for an id that
 *       runs on the defaults or whose settings were unavailable.</li>
 *   <li>Provider: its own value only when the provider registry knows the slug.</li>
 *   <li>Model: the price table's id for the model (so dated snapshots share their model's series) when the table
 *       prices it for that provider, or the gateway's own {@code price_overrides} entry on a configured gateway.</li>
 *   <li>A request refused by gateway authentication gets neither provider nor model: both {@value #OTHER}.</li>
 * </ul>
 */
public final class MetricDimensions {
    public static final String OTHER = "other";
    public static final String UNKNOWN = "unknown";
    private static final int MAX_LENGTH = 128;

    /** The three values of one document's dimensions. */
    public record Values(String gateway, String provider, String model) {
    }

    private final ProviderRegistry providers;
    private final PriceTable prices;
    /**
     * Gateways seen configured in a request, for documents made without one (a late store error): admin-made, so
     * few, and bounded all the same.
     */
    private final ExpiringLru<String, Boolean> configuredGateways =
            new ExpiringLru<>(10_000, TimeUnit.HOURS.toNanos(1), true, System::nanoTime);

    public MetricDimensions(ProviderRegistry providers, PriceTable prices) {
        this.providers = providers;
        this.prices = prices;
    }

    private static final class Standard {
        static final MetricDimensions INSTANCE = new MetricDimensions(new ProviderRegistry(Map.of()),
                PriceTable.defaults());
    }

    /** Over the built-in provider registry and price table. */
    public static MetricDimensions standard() {
        return Standard.INSTANCE;
    }

    /** The dimension values of a finished request. */
    public Values of(RequestContext ex) {
        GatewaySettings settings = ex.settings();
        String gatewayId = ex.gatewayId();
        boolean configured = gatewayId != null && settings != null && settings.configured()
                && gatewayId.equals(settings.id());
        String gateway;
        if (gatewayId == null) {
            gateway = UNKNOWN;
        } else if (configured) {
            gateway = clean(gatewayId);
            configuredGateways.put(gatewayId, Boolean.TRUE);
        } else {
            gateway = OTHER;
        }
        if (ex.answer().error() != null && ex.answer().error().status() == 401) {
            return new Values(gateway, OTHER, OTHER); // refused by authentication: no per-provider or per-model series
        }
        String provider = provider(ex.provider());
        String model = model(provider, RequestMetrics.modelOf(ex), configured ? settings.priceOverrides() : Map.of());
        return new Values(gateway, provider, model);
    }

    /** For a document made outside a request (a cache fill's store error): the same bounds from raw values. */
    public Values of(String gatewayId, String providerSlug, String model) {
        String gateway = gatewayId == null ? UNKNOWN
                : configuredGateways.get(gatewayId) != null ? clean(gatewayId) : OTHER;
        String provider = provider(providerSlug);
        return new Values(gateway, provider, model(provider, model, Map.of()));
    }

    private String provider(String slug) {
        if (slug == null || slug.isBlank()) {
            return UNKNOWN;
        }
        return providers.find(slug).isPresent() ? clean(slug) : OTHER;
    }

    private String model(String provider, String model, Map<String, ModelPrice> overrides) {
        if (OTHER.equals(provider) || UNKNOWN.equals(provider)) {
            return OTHER;
        }
        if (model == null || model.isBlank()) {
            return UNKNOWN;
        }
        Optional<Map.Entry<String, ModelPrice>> own = PriceTable.matchIn(overrides, model);
        if (own.isPresent()) {
            return clean(own.get().getKey());
        }
        Optional<PriceTable.Match> match = prices.find(provider, model);
        // Only an entry of the table itself: a match made up from the model id (a free-tier suffix) is not one.
        if (match.isPresent() && prices.models(match.get().provider()).containsKey(match.get().modelKey())) {
            return clean(match.get().modelKey());
        }
        return OTHER;
    }

    /** CloudWatch takes 1-1024 ASCII characters; the bounded values are cleaned all the same. */
    static String clean(String raw) {
        if (raw == null || raw.isBlank()) {
            return UNKNOWN;
        }
        StringBuilder b = new StringBuilder(Math.min(raw.length(), MAX_LENGTH));
        for (int i = 0; i < raw.length() && b.length() < MAX_LENGTH; i++) {
            char c = raw.charAt(i);
            b.append(c > 0x20 && c < 0x7f && c != ':' ? c : '_');
        }
        return b.toString();
    }
}
