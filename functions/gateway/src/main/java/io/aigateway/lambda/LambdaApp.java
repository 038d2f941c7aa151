package io.aigateway.lambda;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The one app per Lambda execution environment, built during init so that SnapStart snapshots it warm. The static
 * holder is the single piece of static state the gateway has: the runtime builds the handler by reflection, and
 * the CRaC hooks need the same instance.
 */
final class LambdaApp implements Resource {
    private static final LambdaApp INSTANCE = new LambdaApp();

    private final GatewayApp app;

    private LambdaApp() {
        this.app = GatewayApp.forLambda(GatewayConfig.fromEnv());
        Core.getGlobalContext().register(this);
        if ("true".equalsIgnoreCase(System.getenv("GATEWAY_PRIME_ON_INIT"))) {
            Priming.run(app); // without SnapStart: pay the warm-up during init instead of on the first request
        }
    }

    static GatewayApp instance() {
        return INSTANCE.app;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        Priming.run(app);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        app.dropIdleConnections();
    }
}
