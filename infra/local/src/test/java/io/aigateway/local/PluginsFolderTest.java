package io.aigateway.local;

import com.sun.net.httpserver.HttpServer;
import io.aigateway.local.LocalRuntime.Options;
import io.aigateway.local.LocalRuntime.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example plug-in as a user ships it: its jar (built by plugins/header-guard, before this module) in a folder
 * given with --plugins, enabled per gateway through the admin API. It adds a header toward the provider and blocks
 * prompts matching its pattern with 403, code 2043.
 */
class PluginsFolderTest {
    private static final Path JAR = Path.of(System.getProperty("gateway.repo.root", "../.."),
            "plugins", "header-guard", "target", "plugin-header-guard.jar");

    @Test
    void theExamplePluginLoadsFromAFolderAndRunsWhenAGatewayEnablesIt(@TempDir Path dir) throws Exception {
        assertTrue(Files.exists(JAR), "build plugins/header-guard first (the reactor does): " + JAR.toAbsolutePath());
        Files.copy(JAR, dir.resolve("plugin-header-guard.jar"));
        List<String> teams = new CopyOnWriteArrayList<>();
        HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        provider.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            teams.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-team")));
            byte[] ok = "{\"id\":\"x\",\"choices\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        provider.start();
        try (LocalRuntime rt = LocalRuntime.start(Options.parse("--in-memory", "--port", "0", "--plugins",
                dir.toString()).withEnv(Map.of("GATEWAY_UPSTREAM_OPENAI",
                "http://127.0.0.1:" + provider.getAddress().getPort() + "/v1")))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(rt.rootUrl() + "/api/v1/gateways/guarded"))
                    .header("authorization", "Bearer " + rt.adminToken())
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"plugins\":[{\"name\":\"header-guard\",\"config\":"
                            + "{\"add_headers\":{\"x-team\":\"search\"},\"block_pattern\":\"(?i)project\\\\s+falcon\","
                            + "\"block_message\":\"code names stay inside\"}}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(rt.rootUrl() + "/api/v1/gateways/other"))
                    .header("authorization", "Bearer " + rt.adminToken())
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"plugins\":[{\"name\":\"not-loaded\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, unknown.statusCode(), "a plug-in that is not loaded is a 400: " + unknown.body());

            String chat = rt.rootUrl() + "/v1/local/guarded/openai/chat/completions";
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(chat))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"hello\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(List.of("search"), teams, "the plug-in's header reached the provider");

            HttpResponse<String> blocked = http.send(HttpRequest.newBuilder(URI.create(chat))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"status of Project  Falcon?\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, blocked.statusCode(), blocked.body());
            assertTrue(blocked.body().contains("2043") && blocked.body().contains("header-guard"), blocked.body());
            assertEquals(1, teams.size(), "the blocked prompt never reached the provider");
        } finally {
            provider.stop(0);
        }
    }

    @Test
    void pluginsTakesAFolder() {
        assertThrows(UsageException.class, () -> Options.parse("--plugins", "/no/such/folder"));
        assertThrows(UsageException.class, () -> Options.parse("--plugins"));
    }
}
