package io.aigateway.routes;

import java.util.List;
import java.util.Map;

/** One element of a route, in Cloudflare's vocabulary; outputs name the next element by id (null: none). */
public sealed interface RouteElement {
    String id();

    record Start(String id, String next) implements RouteElement {
    }

    record Conditional(String id, Condition condition, String whenTrue, String whenFalse) implements RouteElement {
    }

    /**
     * @param splits  the named outputs in order, each a share in basis points (1% = 100)
     * @param orElse  where the rest goes; null when the shares add up to 100%
     */
    record Percentage(String id, List<Split> splits, String orElse) implements RouteElement {
        public record Split(String name, int basisPoints, String next) {
        }

        /** Where one request goes: each output with its share's probability, the rest to {@code else}. */
        public String pick(java.util.random.RandomGenerator random) {
            int draw = random.nextInt(10_000);
            int upTo = 0;
            for (Split s : splits) {
                upTo += s.basisPoints();
                if (draw < upTo) {
                    return s.next();
                }
            }
            return orElse != null ? orElse : splits.get(splits.size() - 1).next();
        }
    }

    /**
     * @param key      a request field ({@code metadata.<key>}, {@code key.id}...): one counter per value; null: one
     *                 counter for the element
     * @param interval seconds
     * @param fallback where a request over the limit goes; null: it is refused (429)
     */
    record RateLimit(String id, String key, int limit, int interval, boolean sliding, String success,
                     String fallback) implements RouteElement {
    }

    /**
     * @param timeoutMillis to the provider's first byte; 0: the gateway's setting
     * @param retries       extra attempts after the first; -1: the gateway's setting
     * @param params        a provider's location parts (region, project, location, resource)
     * @param fallback      where a failed call goes (connection failure, timeout, 408, 429, 5xx, a gateway 429); null:
     *                      its error is the answer
     */
    record Model(String id, String provider, String model, int timeoutMillis, int retries, Map<String, String> params,
                 String success, String fallback) implements RouteElement {
    }

    record End(String id) implements RouteElement {
    }

    /** The ids this element may hand a request to. */
    default List<String> outputs() {
        return switch (this) {
            case Start s -> List.of(s.next());
            case Conditional c -> List.of(c.whenTrue(), c.whenFalse());
            case Percentage p -> {
                List<String> out = new java.util.ArrayList<>();
                p.splits().forEach(s -> out.add(s.next()));
                if (p.orElse() != null) {
                    out.add(p.orElse());
                }
                yield List.copyOf(out);
            }
            case RateLimit r -> r.fallback() == null ? List.of(r.success()) : List.of(r.success(), r.fallback());
            case Model m -> m.fallback() == null ? List.of(m.success()) : List.of(m.success(), m.fallback());
            case End e -> List.of();
        };
    }
}
