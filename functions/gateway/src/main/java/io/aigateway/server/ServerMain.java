package io.aigateway.server;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;

import java.net.InetSocketAddress;

/**
 * Runs the HTTP server transport inside Lambda behind the Lambda Web Adapter (template parameter Streaming=true):
 * the adapter forwards each invocation to this port and streams the response back.
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) {
        GatewayConfig config = GatewayConfig.fromEnv();
        GatewayApp app = GatewayApp.create(config);
        int port = Integer.parseInt(System.getenv().getOrDefault("AWS_LWA_PORT",
                System.getenv().getOrDefault("PORT", "8080")));
        GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", port),
                config.maxRequestBytes());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            app.close();
        }));
    }
}
