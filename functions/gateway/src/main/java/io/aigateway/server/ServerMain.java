package io.aigateway.server;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.lambda.Priming;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the HTTP server transport inside Lambda behind the Lambda Web Adapter (template parameter Streaming=true):
 * the adapter forwards each invocation to this port and streams the response back.
 *
 * <p>This JVM is not run by the Lambda runtime client, so CRaC hooks ({@code org.crac}) never fire in it; the
 * adapter (1.1.0 and later) stands in for them. Under SnapStart ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}),
 * or with {@code GATEWAY_PRIME_ON_INIT=true}, the app is primed before the port opens: the adapter admits no
 * invocation, and takes no snapshot, until its readiness check on the port answers, so a snapshot always holds a
 * primed app. After a restore the adapter posts to {@code AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH} (and before the
 * snapshot to {@code AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH}) when set; both drop the pooled connections, which
 * are dead once the environment is restored. The adapter refuses outside requests for those paths (403), and this
 * server listens on loopback only.
 */
public final class ServerMain {
    static final String BEFORE_CHECKPOINT_PATH = "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH";
    static final String AFTER_RESTORE_PATH = "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH";

    private ServerMain() {
    }

    public static void main(String[] args) {
        GatewayHttpServer.preferNoDelay();
        Map<String, String> env = System.getenv();
        GatewayConfig config = GatewayConfig.fromEnv();
        GatewayApp app = GatewayApp.create(config);
        if (primesBeforeListening(env)) {
            Priming.run(app);
        }
        int port = Integer.parseInt(env.getOrDefault("AWS_LWA_PORT", env.getOrDefault("PORT", "8080")));
        GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", port),
                config.maxRequestBytes(), snapStartHooks(env, app::dropIdleConnections));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            app.close();
        }));
    }

    /** Whether to prime before opening the port: under SnapStart, or when asked to (as the buffered handler does). */
    static boolean primesBeforeListening(Map<String, String> env) {
        return "snap-start".equals(env.get("AWS_LAMBDA_INITIALIZATION_TYPE"))
                || "true".equalsIgnoreCase(env.get("GATEWAY_PRIME_ON_INIT"));
    }

    /** The adapter's SnapStart hook paths that are set, each running {@code dropConnections}. */
    static Map<String, Runnable> snapStartHooks(Map<String, String> env, Runnable dropConnections) {
        Map<String, Runnable> hooks = new LinkedHashMap<>();
        for (String variable : new String[]{BEFORE_CHECKPOINT_PATH, AFTER_RESTORE_PATH}) {
            String path = env.getOrDefault(variable, "").strip();
            if (!path.isEmpty()) {
                hooks.put(path, dropConnections);
            }
        }
        return hooks;
    }
}
