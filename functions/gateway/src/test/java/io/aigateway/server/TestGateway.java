package io.aigateway.server;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A gateway whose OpenAI upstream is {@code upstream}, behind the HTTP server transport with the given limits. */
final class TestGateway implements AutoCloseable {
    final GatewayApp app;
    final GatewayHttpServer server;

    TestGateway(URI upstream, long maxRequestBytes, ServerLimits limits, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("GATEWAY_TABLE", DynamoDbLocal.newTable());
        all.put("GATEWAY_UPSTREAM_OPENAI", upstream + "/v1");
        all.put("GATEWAY_ADMIN_TOKEN", Harness.ADMIN_TOKEN);
        app = GatewayApp.create(GatewayConfig.fromEnv(all), DynamoDbLocal.client());
        server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0), maxRequestBytes,
                Map.of(), false, limits);
    }

    static ServerLimits limits(long headerTimeoutMillis, long idleTimeoutMillis, long inflightBytes, long waitMillis) {
        return new ServerLimits(Duration.ofMillis(headerTimeoutMillis), Duration.ofMillis(idleTimeoutMillis),
                inflightBytes, Duration.ofMillis(waitMillis));
    }

    /** The server's in-flight body budget. */
    BodyBudget budget() {
        return server.bodyBudget();
    }

    int port() {
        return server.port();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads one HTTP/1.1 response with a Content-Length (or up to the connection's end) from {@code in}. */
    static RawResponse readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of response head: " + head);
            }
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : c == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(text.substring(9, 12));
        Map<String, String> headers = new HashMap<>();
        for (String line : text.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
        }
        String length = headers.get("content-length");
        byte[] body = length != null ? in.readNBytes(Integer.parseInt(length)) : new byte[0];
        return new RawResponse(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    record RawResponse(int status, Map<String, String> headers, String body) {
    }

    @Override
    public void close() {
        server.close();
        app.close();
    }
}
