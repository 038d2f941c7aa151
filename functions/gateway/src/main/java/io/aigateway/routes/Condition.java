package io.aigateway.routes;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A conditional element's test, in MongoDB's query shape: {@code {"metadata.plan": {"$eq": "free"}}}, several fields
 * all holding ({@code $and} implied), {@code $and} / {@code $or} / {@code $nor} over lists of conditions, and per
 * field the operators {@code $eq $ne $in $nin $gt $gte $lt $lte $exists}; a bare value means {@code $eq}. Fields are
 * {@code metadata.<key>} (the request's {@code cf-aig-metadata}), {@code body.<field>} (a top-level field of the
 * OpenAI request, for example {@code body.user}), the virtual key's identity ({@code key.id}, {@code key.name},
 * {@code key.metadata.<key>}), {@code model} (the model the client asked for, as it wrote it: an alias or
 * {@code dynamic/{route}}) and {@code provider} (the provider of the model element that failed last, so a fallback
 * path can branch on it; absent before any did). Numbers compare as numbers whatever their JSON form.
 */
public sealed interface Condition {

    /** True when the request (as {@code fields} reads it: null for a field it lacks) passes. */
    boolean test(Function<String, JsonNode> fields);

    record All(List<Condition> parts) implements Condition {
        @Override
        public boolean test(Function<String, JsonNode> fields) {
            return parts.stream().allMatch(c -> c.test(fields));
        }
    }

    record Any(List<Condition> parts) implements Condition {
        @Override
        public boolean test(Function<String, JsonNode> fields) {
            return parts.stream().anyMatch(c -> c.test(fields));
        }
    }

    record None(List<Condition> parts) implements Condition {
        @Override
        public boolean test(Function<String, JsonNode> fields) {
            return parts.stream().noneMatch(c -> c.test(fields));
        }
    }

    record Compare(String field, String operator, JsonNode operand) implements Condition {
        @Override
        public boolean test(Function<String, JsonNode> fields) {
            JsonNode value = fields.apply(field);
            boolean present = value != null && !value.isNull() && !value.isMissingNode();
            return switch (operator) {
                case "$exists" -> present == operand.asBoolean();
                case "$eq" -> present && same(value, operand);
                case "$ne" -> !present || !same(value, operand);
                case "$in" -> present && contains(operand, value);
                case "$nin" -> !present || !contains(operand, value);
                default -> present && value.isNumber() && operand.isNumber() && order(value, operand);
            };
        }

        private boolean order(JsonNode value, JsonNode bound) {
            int c = value.decimalValue().compareTo(bound.decimalValue());
            return switch (operator) {
                case "$gt" -> c > 0;
                case "$gte" -> c >= 0;
                case "$lt" -> c < 0;
                default -> c <= 0;
            };
        }

        private static boolean contains(JsonNode list, JsonNode value) {
            for (JsonNode candidate : list) {
                if (same(value, candidate)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean same(JsonNode a, JsonNode b) {
            if (a.isNumber() && b.isNumber()) {
                return a.decimalValue().compareTo(b.decimalValue()) == 0;
            }
            return a.equals(b);
        }
    }

    Set<String> OPERATORS = Set.of("$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists");

    /** @throws RouteException naming {@code where} and what is wrong */
    static Condition parse(JsonNode node, String where) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new RouteException(where + " must be a non-empty object such as {\"metadata.plan\": {\"$eq\": \"free\"}}");
        }
        List<Condition> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            JsonNode v = f.getValue();
            String at = where + "." + key;
            switch (key) {
                case "$and", "$or", "$nor" -> {
                    if (!v.isArray() || v.isEmpty()) {
                        throw new RouteException(at + " must be a non-empty list of conditions");
                    }
                    List<Condition> list = new ArrayList<>();
                    for (int i = 0; i < v.size(); i++) {
                        list.add(parse(v.get(i), at + "[" + i + "]"));
                    }
                    parts.add(switch (key) {
                        case "$and" -> new All(List.copyOf(list));
                        case "$or" -> new Any(List.copyOf(list));
                        default -> new None(List.copyOf(list));
                    });
                }
                default -> {
                    if (key.startsWith("$")) {
                        throw new RouteException(at + ": unknown operator (use $and, $or, $nor at the top, and "
                                + String.join(" ", OPERATORS.stream().sorted().toList()) + " per field)");
                    }
                    field(key, at);
                    if (v.isObject() && v.size() > 0 && v.fieldNames().next().startsWith("$")) {
                        Iterator<Map.Entry<String, JsonNode>> ops = v.properties().iterator();
                        while (ops.hasNext()) {
                            Map.Entry<String, JsonNode> op = ops.next();
                            parts.add(compare(key, op.getKey(), op.getValue(), at + "." + op.getKey()));
                        }
                    } else {
                        parts.add(compare(key, "$eq", v, at));
                    }
                }
            }
        }
        return parts.size() == 1 ? parts.get(0) : new All(List.copyOf(parts));
    }

    private static Compare compare(String field, String operator, JsonNode operand, String at) {
        if (!OPERATORS.contains(operator)) {
            throw new RouteException(at + ": unknown operator; use one of "
                    + String.join(", ", OPERATORS.stream().sorted().toList()));
        }
        switch (operator) {
            case "$in", "$nin" -> {
                if (!operand.isArray()) {
                    throw new RouteException(at + " needs a list of values");
                }
            }
            case "$exists" -> {
                if (!operand.isBoolean()) {
                    throw new RouteException(at + " needs true or false");
                }
            }
            case "$gt", "$gte", "$lt", "$lte" -> {
                if (!operand.isNumber()) {
                    throw new RouteException(at + " needs a number");
                }
            }
            default -> {
                if (!operand.isValueNode()) {
                    throw new RouteException(at + " needs a string, number, boolean or null");
                }
            }
        }
        return new Compare(field, operator, operand);
    }

    /** The fields a condition (and a rate limit's key) may read; see {@link #field(String, String)}. */
    String FIELDS = "metadata.<key> (cf-aig-metadata), body.<field> (the OpenAI request), key.id, key.name,"
            + " key.metadata.<key> (the virtual key's identity), model (the model the client asked for) or provider"
            + " (the provider of the model that just failed, on a fallback path)";

    /** @throws RouteException when {@code key} names no field a request has */
    static void field(String key, String at) {
        if (key.equals("model") || key.equals("provider") || key.equals("key.id") || key.equals("key.name")) {
            return;
        }
        for (String scope : new String[] {"metadata.", "body.", "key.metadata."}) {
            if (key.startsWith(scope) && key.length() > scope.length()) {
                return;
            }
        }
        throw new RouteException(at + ": a condition reads " + FIELDS);
    }
}
