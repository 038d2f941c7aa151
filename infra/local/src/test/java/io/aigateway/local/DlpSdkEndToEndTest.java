package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.local.LocalRuntime.Options;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data protection seen by the official OpenAI and Anthropic Python SDKs (changed in nothing but their base URL),
 * plain and streamed, against the local runtime in front of a loopback provider stub: a valid card number is refused
 * with 2029, an invalid look-alike passes, an e-mail is hidden from the provider and restored for the client, an
 * SSN in the provider's answer is blocked (400/2030 buffered, an error event mid-stream), and none of the planted
 * values is in any stored log or body. Needs python3 with the openai and anthropic packages, like
 * {@link OfficialSdkEndToEndTest}; fails (never skips) without them.
 */
class DlpSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String GATEWAY = "dlp-sdk";

    private static final String CARD = "4111 1111 1111 1111";
    private static final String NOT_A_CARD = "4111 1111 1111 1112";
    private static final String EMAIL = "jane.doe@example.com";
    private static final String SSN = "536-22-8125";
    /** Every value that must never be stored (the look-alike is no card, so it may be). */
    private static final List<String> PLANTED = List.of(CARD, "4111111111111111", EMAIL, SSN);

    private static final String POLICIES = "{\"dlp\":{\"enabled\":true,\"policies\":["
            + "{\"id\":\"no-cards\",\"profiles\":[\"financial\"],\"action\":\"BLOCK\",\"check\":\"REQUEST\"},"
            + "{\"id\":\"mask-contact\",\"profiles\":[\"contact\"],\"action\":\"REDACT\",\"check\":\"REQUEST\"},"
            + "{\"id\":\"no-ids-out\",\"profiles\":[\"government_id\"],\"action\":\"BLOCK\",\"check\":\"RESPONSE\"}]}}";

    private static HttpServer stub;
    private static final List<String> SEEN = new CopyOnWriteArrayList<>();
    private static LocalRuntime runtime;
    private static JsonNode got;

    @BeforeAll
    static void start() throws Exception {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        stub.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        stub.createContext("/", DlpSdkEndToEndTest::answer);
        stub.start();
        String base = "http://127.0.0.1:" + stub.getAddress().getPort();
        runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0").withEnv(Map.of(
                "GATEWAY_UPSTREAM_OPENAI", base + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", base)));
        HttpResponse<String> put = admin("PUT", "/api/v1/gateways/" + GATEWAY, POLICIES);
        assertEquals(200, put.statusCode(), put::body);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("openai_url", runtime.rootUrl() + "/v1/local/" + GATEWAY + "/openai");
        cfg.put("anthropic_url", runtime.rootUrl() + "/v1/local/" + GATEWAY + "/anthropic");
        cfg.put("card", CARD);
        cfg.put("not_a_card", NOT_A_CARD);
        cfg.put("email", EMAIL);
        got = runScript(cfg.toString());
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (stub != null) {
            stub.stop(0);
        }
    }

    @Test
    void openAiSdk() {
        check(got.path("openai"), "openai");
    }

    @Test
    void anthropicSdk() {
        check(got.path("anthropic"), "anthropic");
    }

    private static void check(JsonNode sdk, String name) {
        for (String kind : List.of("plain", "stream")) {
            JsonNode c = sdk.path(kind);
            String where = name + " " + kind + ": " + c;

            JsonNode card = c.path("card");
            assertEquals(400, card.path("status").asInt(), where);
            assertTrue(card.path("body").toString().contains("2029"), where);
            assertFalse(card.toString().contains("4111"), where);
            assertTrue(card.path("dlp").asText().contains("\"action\":\"BLOCK\""), where);

            assertEquals("ok: order " + NOT_A_CARD + " has shipped", c.path("not_a_card").path("content").asText(),
                    where);

            JsonNode redact = c.path("redact");
            assertEquals("I will write to " + EMAIL + " today.", redact.path("content").asText(), where);
            assertTrue(redact.path("dlp").asText().contains("\"action\":\"REDACT\""), where);

            JsonNode ssn = c.path("ssn");
            assertFalse(ssn.toString().contains("8125"), where);
            if (kind.equals("plain")) {
                assertEquals(400, ssn.path("status").asInt(), where);
                assertTrue(ssn.path("body").toString().contains("2030"), where);
            } else {
                assertTrue(ssn.path("content").asText().startsWith("Your number is"), where);
                assertTrue(ssn.path("stream_error").path("body").toString().contains("2030"), where);
            }
        }
    }

    @Test
    void theProviderNeverSeesARedactedOrBlockedValue() throws Exception {
        assertFalse(SEEN.isEmpty());
        for (String body : SEEN) {
            assertFalse(body.contains(EMAIL), body);
            assertFalse(body.contains(CARD), body);
        }
        assertTrue(SEEN.stream().anyMatch(b -> b.contains("write to [EMAIL_1] today")), SEEN::toString);
    }

    @Test
    void noStoredLogOrBodyHoldsAPlantedValue() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode logs;
        while (true) {
            logs = JSON.readTree(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs?limit=100", null).body());
            if (logs.path("result").size() >= 16 || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(16, logs.path("result").size(), logs::toString);
        StringBuilder everything = new StringBuilder(logs.toString());
        for (JsonNode log : logs.path("result")) {
            for (String side : List.of("request", "response")) {
                everything.append(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs/" + log.path("id").asText()
                        + "/" + side, null).body());
            }
        }
        for (String value : PLANTED) {
            assertFalse(everything.toString().contains(value), value + " stored: " + everything);
        }
        JsonNode blocked = JSON.readTree(admin("GET", "/api/v1/gateways/" + GATEWAY + "/logs?dlp_action=BLOCK", null)
                .body());
        assertEquals(8, blocked.path("result_info").path("count").asInt(), "2 SDKs x 2 modes x (card, ssn)");
    }

    // ---- the provider stub: OpenAI and Anthropic wire formats, the answer chosen by model ----------------------

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String body = new String(raw, StandardCharsets.UTF_8);
        SEEN.add(body);
        JsonNode req = JSON.readTree(raw);
        String model = req.path("model").asText();
        String prompt = req.path("messages").path(0).path("content").asText();
        List<String> pieces = switch (model) {
            case "placeholder-model" -> List.of("I will write to [EMA", "IL_1] tod", "ay.");
            case "ssn-model" -> List.of("Your number is ", "536-22", "-8125", ", keep it safe.");
            default -> List.of("ok: ", prompt);
        };
        boolean anthropic = exchange.getRequestURI().getPath().endsWith("/messages");
        boolean stream = req.path("stream").asBoolean(false);
        try (exchange) {
            if (!stream) {
                String text = String.join("", pieces);
                byte[] out = (anthropic
                        ? "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
                                + "\"content\":[{\"type\":\"text\",\"text\":" + JSON.writeValueAsString(text) + "}],"
                                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                                + "\"usage\":{\"input_tokens\":5,\"output_tokens\":5}}"
                        : "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model
                                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                                + JSON.writeValueAsString(text) + "},\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("content-type", "application/json");
                exchange.sendResponseHeaders(200, out.length);
                exchange.getResponseBody().write(out);
                return;
            }
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String event : anthropic ? anthropicEvents(model, pieces) : openAiEvents(model, pieces)) {
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(5);
            }
        } catch (IOException | InterruptedException gatewayWentAway) {
            // a blocked stream is cancelled by the gateway
        }
    }

    private static List<String> openAiEvents(String model, List<String> pieces) throws IOException {
        String head = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + model
                + "\",\"choices\":";
        List<String> events = new ArrayList<>();
        events.add(head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String p : pieces) {
            events.add(head + "[{\"index\":0,\"delta\":{\"content\":" + JSON.writeValueAsString(p)
                    + "},\"finish_reason\":null}]}\n\n");
        }
        events.add(head + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        events.add("data: [DONE]\n\n");
        return events;
    }

    private static List<String> anthropicEvents(String model, List<String> pieces) throws IOException {
        List<String> events = new ArrayList<>();
        events.add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
                + "\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n");
        events.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (String p : pieces) {
            events.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":" + JSON.writeValueAsString(p) + "}}\n\n");
        }
        events.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        events.add("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}\n\n");
        events.add("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return events;
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(runtime.rootUrl() + path))
                .header("Authorization", "Bearer " + runtime.adminToken()).timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode runScript(String config) throws Exception {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("dlp_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        Path out = Files.createTempFile("dlp-e2e", ".out");
        Path err = Files.createTempFile("dlp-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("python3", dir.resolve("dlp_e2e.py").toString(), config)
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            for (String name : List.of("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY",
                    "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")) {
                env.remove(name);
            }
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("OPENAI_API_KEY", "sk-dlp-e2e-openai");
            env.put("ANTHROPIC_API_KEY", "sk-ant-dlp-e2e");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            Process p;
            try {
                p = builder.start();
            } catch (IOException e) {
                fail("python3 is not on PATH (" + e.getMessage() + "): install Python 3 with "
                        + "`python3 -m pip install openai anthropic`.");
                return null;
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("dlp_e2e.py did not finish in 120 s: " + Files.readString(err));
            }
            String stdout = Files.readString(out);
            assertEquals(0, p.exitValue(), () -> "dlp_e2e.py failed\n" + stdout + "\n" + readQuietly(err));
            String line = stdout.strip().lines().reduce((a, b) -> b).orElse("");
            System.out.println("DlpSdkEndToEndTest: " + line);
            return JSON.readTree(line);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
