package io.aigateway.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What a compat request asked for and, when it ran a dynamic route, which route version and which elements it went
 * through (in order). The provider and model that answered are the request's target, as for any request.
 */
public final class RouteTrace {
    private String requestedModel;
    private String route;
    private Integer version;
    private final List<String> path = new ArrayList<>();

    /** The {@code model} the client sent (an alias, {@code dynamic/{route}} or {@code provider/model}). */
    public void requested(String model) {
        this.requestedModel = model;
    }

    public String requestedModel() {
        return requestedModel;
    }

    public void route(String name, int routeVersion) {
        this.route = name;
        this.version = routeVersion;
    }

    /** Null unless a dynamic route ran. */
    public String route() {
        return route;
    }

    public Integer version() {
        return version;
    }

    public void visit(String elementId) {
        path.add(elementId);
    }

    /** Element ids in the order the request went through them. */
    public List<String> path() {
        return List.copyOf(path);
    }
}
