package io.aigateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A dynamic route: Cloudflare's {@code {"elements": [...]}} graph, validated when it is stored (one start, every
 * output naming an element, every element reachable, no cycles, every path ending at an end, percentages adding up)
 * so a stored route always runs.
 *
 * @param source the elements as they were stored (returned by the admin API unchanged)
 */
public record Route(String name, int version, Map<String, RouteElement> elements, String start, JsonNode source,
                    long createdAt) {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final int MAX_ELEMENTS = 64;
    static final int MAX_SPLITS = 5;
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,2})?)%");

    public RouteElement element(String id) {
        return elements.get(id);
    }

    /**
     * Parses and validates a route body ({@code {"elements": [...]}}; {@code id} and {@code name} are ignored, the
     * path names the route).
     *
     * @param knownProvider whether a model element's provider has an OpenAI-compatible translation
     * @throws RouteException naming what is wrong
     */
    public static Route parse(String name, int version, JsonNode body, long createdAt, Predicate<String> knownProvider) {
        if (!NAME.matcher(name).matches()) {
            throw new RouteException("a route name is 1-64 letters, digits, '-' or '_'");
        }
        JsonNode list = body == null ? null : body.get("elements");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_ELEMENTS) {
            throw new RouteException("the body must be {\"elements\": [...]} with 1-" + MAX_ELEMENTS + " elements");
        }
        Map<String, RouteElement> elements = new LinkedHashMap<>();
        String start = null;
        for (int i = 0; i < list.size(); i++) {
            RouteElement e = element(list.get(i), "elements[" + i + "]", knownProvider);
            if (elements.put(e.id(), e) != null) {
                throw new RouteException("two elements have the id '" + e.id() + "'; ids must be unique");
            }
            if (e instanceof RouteElement.Start) {
                if (start != null) {
                    throw new RouteException("a route has exactly one start element; found '" + start + "' and '"
                            + e.id() + "'");
                }
                start = e.id();
            }
        }
        if (start == null) {
            throw new RouteException("a route needs a start element ({\"id\": \"start\", \"type\": \"start\", "
                    + "\"outputs\": {\"next\": {\"elementId\": \"...\"}}})");
        }
        for (RouteElement e : elements.values()) {
            for (String next : e.outputs()) {
                if (!elements.containsKey(next)) {
                    throw new RouteException("element '" + e.id() + "' leads to '" + next + "', which is no element");
                }
                if (next.equals(start)) {
                    throw new RouteException("element '" + e.id() + "' leads back to the start");
                }
            }
        }
        for (RouteElement e : elements.values()) {
            if (e instanceof RouteElement.Model m && !(elements.get(m.success()) instanceof RouteElement.End)) {
                throw new RouteException("element '" + m.id() + "' outputs.success must lead to an end element: the"
                        + " model's answer is the route's answer");
            }
        }
        Set<String> reached = new HashSet<>();
        acyclic(start, elements, new HashSet<>(), reached);
        for (String id : elements.keySet()) {
            if (!reached.contains(id)) {
                throw new RouteException("element '" + id + "' cannot be reached from the start");
            }
        }
        ObjectNode source = Json.MAPPER.createObjectNode();
        source.set("elements", list.deepCopy());
        return new Route(name, version, Map.copyOf(elements), start, source, createdAt);
    }

    /**
     * Depth-first: a node met again on the current path is a cycle. Without cycles, and with every output naming an
     * element, every path ends at an element without outputs: an end. Each node is explored once.
     */
    private static void acyclic(String id, Map<String, RouteElement> elements, Set<String> onPath, Set<String> reached) {
        if (!onPath.add(id)) {
            throw new RouteException("the route has a cycle through '" + id + "'; a request must always reach an end");
        }
        if (!reached.add(id)) {
            onPath.remove(id);
            return; // explored already from another path, and found acyclic then
        }
        RouteElement e = elements.get(id);
        for (String next : e.outputs()) {
            acyclic(next, elements, onPath, reached);
        }
        onPath.remove(id);
    }

    private static RouteElement element(JsonNode node, String where, Predicate<String> knownProvider) {
        if (!node.isObject()) {
            throw new RouteException(where + " must be an object with id, type, properties and outputs");
        }
        String id = text(node, "id", where);
        String at = "element '" + id + "'";
        String type = text(node, "type", where);
        JsonNode props = node.path("properties");
        JsonNode outputs = node.path("outputs");
        return switch (type) {
            case "start" -> new RouteElement.Start(id, output(outputs, "next", at, true));
            case "end" -> new RouteElement.End(id);
            case "conditional" -> new RouteElement.Conditional(id,
                    Condition.parse(props.has("conditions") ? props.get("conditions") : props.get("condition"),
                            at + " properties.conditions"),
                    output(outputs, "true", at, true), output(outputs, "false", at, true));
            case "percentage" -> percentage(id, outputs, at);
            case "rate_limit" -> rateLimit(id, props, outputs, at);
            case "model" -> model(id, props, outputs, at, knownProvider);
            default -> throw new RouteException(where + " has type '" + type
                    + "'; types are start, conditional, percentage, rate_limit, model and end");
        };
    }

    private static RouteElement percentage(String id, JsonNode outputs, String at) {
        if (!outputs.isObject() || outputs.isEmpty()) {
            throw new RouteException(at + " needs outputs such as {\"10%\": {...}, \"else\": {...}}");
        }
        List<RouteElement.Percentage.Split> splits = new ArrayList<>();
        String orElse = null;
        int total = 0;
        Iterator<String> names = outputs.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if ("else".equals(name)) {
                orElse = output(outputs, name, at, true);
                continue;
            }
            var m = PERCENT.matcher(name);
            if (!m.matches()) {
                throw new RouteException(at + " has output '" + name + "'; outputs are shares such as \"25%\" (up to"
                        + " two decimals) and \"else\"");
            }
            int bp = new BigDecimal(m.group(1)).movePointRight(2).intValueExact();
            if (bp <= 0) {
                throw new RouteException(at + " output '" + name + "' must be more than 0%");
            }
            total += bp;
            splits.add(new RouteElement.Percentage.Split(name, bp, output(outputs, name, at, true)));
        }
        if (splits.isEmpty() || splits.size() > MAX_SPLITS) {
            throw new RouteException(at + " needs 1-" + MAX_SPLITS + " percentage outputs (plus \"else\")");
        }
        if (total > 10_000) {
            throw new RouteException(at + " shares add up to " + BigDecimal.valueOf(total, 2).stripTrailingZeros()
                    .toPlainString() + "%, more than 100%");
        }
        if (total < 10_000 && orElse == null) {
            throw new RouteException(at + " shares add up to " + BigDecimal.valueOf(total, 2).stripTrailingZeros()
                    .toPlainString() + "%: add an \"else\" output for the rest, or make them add up to 100%");
        }
        if (total == 10_000 && orElse != null) {
            throw new RouteException(at + " shares add up to 100%, so its \"else\" output can never be taken;"
                    + " remove it or lower a share");
        }
        return new RouteElement.Percentage(id, List.copyOf(splits), orElse);
    }

    private static RouteElement rateLimit(String id, JsonNode props, JsonNode outputs, String at) {
        String limitType = props.has("limitType") ? props.path("limitType").asText()
                : props.path("limit_type").asText("count");
        if (!"count".equals(limitType)) {
            throw new RouteException(at + " has limitType '" + limitType + "'; this gateway's route rate limits count"
                    + " requests (\"count\"); cost budgets are the gateway's spend_limits");
        }
        String key = props.path("key").isTextual() ? props.get("key").asText() : null;
        if (key != null) {
            boolean identity = key.startsWith("metadata.") || key.startsWith("key.") || key.startsWith("body.");
            try {
                Condition.field(key, at);
            } catch (RouteException notAField) {
                identity = false;
            }
            if (!identity) {
                throw new RouteException(at + " key must be metadata.<key>, key.id, key.name, key.metadata.<key> or"
                        + " body.<field> (one counter per value), or left out (one counter)");
            }
        }
        int limit = integer(props, "limit", at, 1, 1_000_000_000, null);
        int interval = integer(props, props.has("window") ? "window" : "interval", at, 1, 86_400, null);
        String technique = props.path("technique").asText("fixed");
        if (!"fixed".equals(technique) && !"sliding".equals(technique)) {
            throw new RouteException(at + " technique must be fixed or sliding");
        }
        return new RouteElement.RateLimit(id, key, limit, interval, "sliding".equals(technique),
                output(outputs, "success", at, true), output(outputs, "fallback", at, false));
    }

    private static RouteElement model(String id, JsonNode props, JsonNode outputs, String at,
                                      Predicate<String> knownProvider) {
        String provider = props.path("provider").asText("");
        if (!knownProvider.test(provider)) {
            throw new RouteException(at + " provider '" + provider + "' has no OpenAI-compatible translation");
        }
        String model = props.path("model").asText("");
        if (model.isBlank()) {
            throw new RouteException(at + " needs a model (the provider's own id, for example claude-sonnet-4-5)");
        }
        int timeout = integer(props, "timeout", at, 1, 900_000, 0);
        int retries = integer(props, "retries", at, 0, 4, -1);
        Map<String, String> params = new HashMap<>();
        for (String p : List.of("region", "project", "location", "resource")) {
            if (props.path(p).isTextual()) {
                params.put(p, props.get(p).asText());
            }
        }
        return new RouteElement.Model(id, provider, model, timeout, retries, Map.copyOf(params),
                output(outputs, "success", at, true), output(outputs, "fallback", at, false));
    }

    /** @param absent the value when the field is left out; null: it is required */
    private static int integer(JsonNode props, String field, String at, int min, int max, Integer absent) {
        JsonNode v = props.get(field);
        if (v == null || v.isNull()) {
            if (absent != null) {
                return absent;
            }
            throw new RouteException(at + " needs properties." + field);
        }
        if (!v.canConvertToExactIntegral() || v.asLong() < min || v.asLong() > max) {
            throw new RouteException(at + " properties." + field + " must be a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    private static String output(JsonNode outputs, String name, String at, boolean required) {
        JsonNode o = outputs.path(name);
        String target = o.path("elementId").isTextual() ? o.get("elementId").asText()
                : o.path("element_id").isTextual() ? o.get("element_id").asText() : null;
        if (target == null && required) {
            throw new RouteException(at + " needs outputs." + name + " = {\"elementId\": \"...\"}");
        }
        return target;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > 100) {
            throw new RouteException(where + " needs \"" + field + "\" (a string of 1-100 characters)");
        }
        return v.asText();
    }
}
