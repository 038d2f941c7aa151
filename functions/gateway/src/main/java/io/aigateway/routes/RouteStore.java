package io.aigateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Routes in the one table, versioned: {@code pk = ROUTES#{gateway}}, a head item {@code sk = R#{name}} naming the
 * live version, and one item per version {@code sk = V#{name}#{version, zero-padded}} holding its elements. A change
 * is a new version; old versions stay (rollback makes a new version from an old one, so history only grows).
 * Keyed reads and one-partition queries only.
 */
public final class RouteStore {
    private static final String HEAD = "R#";
    private static final String VERSION = "V#";
    private static final int MAX_WRITE_RACES = 5;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Predicate<String> knownProvider;

    /** @param knownProvider whether a model element's provider can be reached through /compat */
    public RouteStore(DynamoDbClient dynamo, String table, Predicate<String> knownProvider) {
        this.dynamo = dynamo;
        this.table = table;
        this.knownProvider = knownProvider;
    }

    /** The live version, or empty. */
    public Optional<Route> current(String gateway, String name) {
        Map<String, AttributeValue> head = item(gateway, HEAD + name);
        if (head == null) {
            return Optional.empty();
        }
        return version(gateway, name, Integer.parseInt(head.get("version").n()));
    }

    public Optional<Route> version(String gateway, String name, int version) {
        Map<String, AttributeValue> item = item(gateway, versionKey(name, version));
        return item == null ? Optional.empty() : Optional.of(route(name, item));
    }

    /** Every version, oldest first. */
    public List<Route> versions(String gateway, String name) {
        List<Route> out = new ArrayList<>();
        query(gateway, VERSION + name + "#").forEach(item -> out.add(route(name, item)));
        return out;
    }

    /** Live versions of every route of the gateway. */
    public List<Route> list(String gateway) {
        List<Route> out = new ArrayList<>();
        for (Map<String, AttributeValue> head : query(gateway, HEAD)) {
            String name = head.get(TableSchema.SK).s().substring(HEAD.length());
            version(gateway, name, Integer.parseInt(head.get("version").n())).ifPresent(out::add);
        }
        return out;
    }

    /**
     * Validates and stores {@code body} as the route's next version, which becomes live.
     *
     * @throws RouteException when the route is invalid (nothing is stored)
     */
    public Route put(String gateway, String name, JsonNode body, long now) {
        Route.parse(name, 1, body, now, knownProvider); // validate before any write
        for (int race = 0; ; race++) {
            Map<String, AttributeValue> head = item(gateway, HEAD + name);
            int latest = head == null ? 0 : Integer.parseInt(head.get("latest").n());
            Route route = Route.parse(name, latest + 1, body, now, knownProvider);
            Map<String, AttributeValue> item = new HashMap<>(key(gateway, versionKey(name, route.version())));
            item.put("elements", AttributeValue.fromS(route.source().toString()));
            item.put("created_at", AttributeValue.fromN(Long.toString(now)));
            try {
                dynamo.putItem(b -> b.tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(#pk)")
                        .expressionAttributeNames(Map.of("#pk", TableSchema.PK)));
            } catch (ConditionalCheckFailedException concurrentPut) {
                if (race < MAX_WRITE_RACES) {
                    continue;
                }
                throw concurrentPut;
            }
            Map<String, AttributeValue> newHead = new HashMap<>(key(gateway, HEAD + name));
            newHead.put("version", AttributeValue.fromN(Integer.toString(route.version())));
            newHead.put("latest", AttributeValue.fromN(Integer.toString(route.version())));
            dynamo.putItem(b -> b.tableName(table).item(newHead));
            return route;
        }
    }

    /** Makes {@code version}'s elements live again, as a new version; empty when there is no such version. */
    public Optional<Route> rollback(String gateway, String name, int version, long now) {
        return version(gateway, name, version).map(old -> put(gateway, name, old.source(), now));
    }

    /** Deletes the route and all its versions; false when there was none. */
    public boolean delete(String gateway, String name) {
        boolean existed = item(gateway, HEAD + name) != null;
        for (Map<String, AttributeValue> v : query(gateway, VERSION + name + "#")) {
            dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, v.get(TableSchema.SK).s())));
        }
        dynamo.deleteItem(b -> b.tableName(table).key(key(gateway, HEAD + name)));
        return existed;
    }

    private Route route(String name, Map<String, AttributeValue> item) {
        String sk = item.get(TableSchema.SK).s();
        int version = Integer.parseInt(sk.substring(sk.lastIndexOf('#') + 1));
        try {
            JsonNode body = Json.MAPPER.readTree(item.get("elements").s());
            // stored routes were valid; providers a later version no longer knows still fail at call time
            return Route.parse(name, version, body, Long.parseLong(item.get("created_at").n()), p -> true);
        } catch (IOException e) {
            throw new IllegalStateException("stored route " + name + " v" + version + " is not JSON", e);
        }
    }

    private Map<String, AttributeValue> item(String gateway, String sk) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(key(gateway, sk))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    private List<Map<String, AttributeValue>> query(String gateway, String prefix) {
        List<Map<String, AttributeValue>> all = new ArrayList<>();
        TableSchema.partition(dynamo, table, partition(gateway), prefix, true).forEach(all::add);
        return all;
    }

    private static String versionKey(String name, int version) {
        return VERSION + name + "#" + String.format("%08d", version);
    }

    private static String partition(String gateway) {
        return "ROUTES#" + gateway;
    }

    private static Map<String, AttributeValue> key(String gateway, String sk) {
        return Map.of(TableSchema.PK, AttributeValue.fromS(partition(gateway)), TableSchema.SK, AttributeValue.fromS(sk));
    }
}
