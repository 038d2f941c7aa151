package bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The floor of bench/lambda.sh: the least a Java function on the same runtime can do for the same request. It reads
 * the event, POSTs a fixed chat request to the stub upstream with the JDK's HTTP client, and returns the answer as a
 * function URL response, with no JSON library, store, log or metric. What the gateway adds above this is its own
 * cost; what this adds above the direct stub call is the runtime interface client's and the emulator's.
 */
public final class FloorHandler implements RequestStreamHandler {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final URI UPSTREAM = URI.create(System.getenv("GATEWAY_UPSTREAM_OPENAI") + "/chat/completions");
    private static final String BODY = System.getenv("FLOOR_REQUEST_BODY");

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(UPSTREAM)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
            String out = "{\"statusCode\":" + r.statusCode()
                    + ",\"headers\":{\"content-type\":\"application/json\"},\"body\":" + quote(r.body()) + "}";
            output.write(out.getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
