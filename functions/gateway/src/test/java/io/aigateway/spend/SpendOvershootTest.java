package io.aigateway.spend;

import io.aigateway.GatewayApp;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How far a burst overshoots a budget: four gateway instances on one table, two clients on each sending requests
 * back to back (each answered after 100 ms) until refused. A budget of N requests lets through N plus what was in
 * flight when it filled: per client, its request in flight and at most one whose counter write had not landed yet.
 * The measured numbers are printed (the README quotes them).
 */
class SpendOvershootTest {
    private static final int INSTANCES = 4;
    private static final int CLIENTS_PER_INSTANCE = 2;
    private static final int BUDGET_REQUESTS = 10;
    private static final String COST = "0.0000036"; // one gpt-4o-mini answer of the stub

    @Test
    void aBurstFromFourInstancesOvershootsByAtMostWhatIsInFlight() throws Exception {
        try (StubUpstream stub = new StubUpstream()) {
            stub.on("/v1/chat/completions", StubUpstream.slow(100, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)));
            try (Harness first = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1"))) {
                String limit = new java.math.BigDecimal(COST).multiply(java.math.BigDecimal.valueOf(BUDGET_REQUESTS))
                        .toPlainString();
                HttpResponse<String> put = first.send(HttpRequest.newBuilder(first.url("/api/v1/gateways/burst"))
                        .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"spend_limits\":[{\"id\":\"all\",\"limit_usd\":"
                                + limit + ",\"window_seconds\":3600}]}")));
                assertEquals(200, put.statusCode(), put.body());

                List<GatewayApp> apps = new ArrayList<>();
                List<GatewayHttpServer> servers = new ArrayList<>();
                List<URI> bases = new ArrayList<>();
                bases.add(first.url(""));
                for (int i = 1; i < INSTANCES; i++) {
                    GatewayApp app = GatewayApp.create(first.config, first.dynamo);
                    apps.add(app);
                    GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0));
                    servers.add(server);
                    bases.add(URI.create("http://127.0.0.1:" + server.port()));
                }
                AtomicInteger answered = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
                List<Future<?>> running = new ArrayList<>();
                long started = System.nanoTime();
                for (URI base : bases) {
                    for (int c = 0; c < CLIENTS_PER_INSTANCE; c++) {
                        running.add(clients.submit(() -> {
                            for (int n = 0; n < 100; n++) {
                                HttpResponse<String> r = first.http.send(HttpRequest.newBuilder(
                                                base.resolve("/v1/a/burst/openai/chat/completions"))
                                        .header("content-type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}"))
                                        .build(), HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 429) {
                                    refused.incrementAndGet();
                                    return null;
                                }
                                answered.incrementAndGet();
                            }
                            return null;
                        }));
                    }
                }
                for (Future<?> f : running) {
                    f.get();
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                clients.shutdown();
                int clientsTotal = INSTANCES * CLIENTS_PER_INSTANCE;
                int overshoot = answered.get() - BUDGET_REQUESTS;
                System.out.printf("spend overshoot: budget %d requests, %d answered (overshoot %d = $%s) by %d clients"
                                + " on %d instances in %d ms; every client refused: %d%n", BUDGET_REQUESTS,
                        answered.get(), overshoot, new java.math.BigDecimal(COST).multiply(
                                java.math.BigDecimal.valueOf(Math.max(0, overshoot))).toPlainString(),
                        clientsTotal, INSTANCES, millis, refused.get());
                assertEquals(clientsTotal, refused.get(), "every client is refused once the budget is spent");
                assertTrue(answered.get() >= BUDGET_REQUESTS, "the budget itself is usable: " + answered.get());
                assertTrue(overshoot <= 2 * clientsTotal, "overshoot " + overshoot + " exceeds the in-flight bound "
                        + 2 * clientsTotal);
                servers.forEach(GatewayHttpServer::close);
                apps.forEach(GatewayApp::close);
            }
        }
    }
}
