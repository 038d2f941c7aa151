package io.aigateway.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * What priming runs the real pipeline against, on loopback, for the few seconds priming lasts: a provider answering
 * chat completions (whole or streamed) and a DynamoDB that stores nothing and holds nothing (every read misses,
 * every write succeeds). The pipeline's own code paths, the AWS SDK's marshalling and the HTTP clients all run as
 * they will for real requests; nothing reaches a real provider or the real table.
 */
final class PrimingFakes implements AutoCloseable {
    static final String COMPLETION = "{\"id\":\"prime\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
    static final String STREAM = "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n";

    private final HttpServer server;

    private PrimingFakes(HttpServer server) {
        this.server = server;
    }

    static PrimingFakes start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/", PrimingFakes::answer);
            server.start();
            return new PrimingFakes(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fake DynamoDB endpoint (and, under /v1, the fake provider). */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    URI provider() {
        return endpoint().resolve("/v1");
    }

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] request = exchange.getRequestBody().readAllBytes();
        String target = exchange.getRequestHeaders().getFirst("x-amz-target");
        String type;
        String body;
        if (target != null) {
            type = "application/x-amz-json-1.0";
            body = dynamo(target.substring(target.indexOf('.') + 1));
        } else if (new String(request, StandardCharsets.UTF_8).contains("\"stream\":true")) {
            type = "text/event-stream";
            body = STREAM;
        } else {
            type = "application/json";
            body = COMPLETION;
        }
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", type);
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    /** An empty table that accepts every write. */
    private static String dynamo(String operation) {
        return switch (operation) {
            case "Query", "Scan" -> "{\"Count\":0,\"Items\":[],\"ScannedCount\":0}";
            case "UpdateItem" -> "{\"Attributes\":{\"c\":{\"N\":\"1\"}}}";
            case "BatchWriteItem" -> "{\"UnprocessedItems\":{}}";
            case "BatchGetItem" -> "{\"Responses\":{},\"UnprocessedKeys\":{}}";
            default -> "{}";
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
