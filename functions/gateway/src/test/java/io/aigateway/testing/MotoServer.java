package io.aigateway.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A moto_server on a free loopback port (Secrets Manager, SNS, SQS, CloudWatch... on one endpoint), for tests that
 * need an AWS API without AWS. Fails the test with how to install it when it is missing.
 */
public final class MotoServer implements AutoCloseable {
    private final Process process;
    private final URI endpoint;

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static MotoServer start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process process = null;
        try {
            process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            fail("moto_server is needed for this test: python3 -m pip install 'moto[server]'");
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; ; i++) {
            try {
                http.send(HttpRequest.newBuilder(endpoint).build(), HttpResponse.BodyHandlers.discarding());
                return new MotoServer(process, endpoint);
            } catch (IOException notYet) {
                if (i > 150) {
                    process.destroy();
                    fail("moto_server did not start on " + endpoint);
                }
                Thread.sleep(100);
            }
        }
    }

    /** {@code http://127.0.0.1:{port}}, for an SDK client's endpoint override. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
