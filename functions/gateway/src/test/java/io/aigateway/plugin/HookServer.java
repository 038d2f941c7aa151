package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.core.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** Hook endpoints on 127.0.0.1 (the JDK's server): each path answers as scripted and records every call it gets. */
final class HookServer implements AutoCloseable {
    record Call(String path, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    @FunctionalInterface
    interface Reply {
        /** Returns {status, body}; may sleep. */
        Object[] answer(Call call) throws Exception;
    }

    private final HttpServer server;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();

    HookServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    HookServer on(String path, Reply reply) {
        replies.put(path, reply);
        return this;
    }

    /** A fixed JSON answer with status 200. */
    HookServer answer(String path, String json) {
        return on(path, c -> new Object[]{200, json});
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    List<Call> callsTo(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Call call = new Call(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body);
        calls.add(call);
        Reply reply = replies.get(call.path());
        Object[] answer;
        try {
            answer = reply == null ? new Object[]{404, "{}"} : reply.answer(call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
            return;
        } catch (Exception e) {
            answer = new Object[]{500, "{\"error\":\"" + e + "\"}"};
        }
        byte[] bytes = ((String) answer[1]).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        try {
            exchange.sendResponseHeaders((Integer) answer[0], bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException gone) {
            // the gateway gave up on this call (timeout): nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
