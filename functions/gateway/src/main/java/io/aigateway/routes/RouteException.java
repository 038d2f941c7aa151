package io.aigateway.routes;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

/** An invalid route or alias: becomes a 400 with code 2049 and a message saying what to change. */
public final class RouteException extends RuntimeException {
    public RouteException(String message) {
        super(message, null, false, false);
    }

    public GatewayException toGatewayException(String routeName) {
        return new GatewayException(ErrorCode.ROUTE_INVALID, "Invalid route '" + routeName + "': " + getMessage() + ".");
    }
}
