package io.aigateway.lambda;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cold start: a function whose gateways name no managed DLP engine never loads the Bedrock runtime or Comprehend SDK
 * modules. A fresh JVM (class loading is per process) builds the Lambda assembly and runs priming, which sends
 * requests through the whole pipeline, DLP steps included, and lists every class it loaded.
 */
class PlainPathClassesTest {

    /** The child process: the Lambda assembly and its priming, on an unreachable store. */
    public static void main(String[] args) {
        GatewayApp app = GatewayApp.forLambda(GatewayConfig.fromEnv(System.getenv()));
        System.out.println("PRIMED " + Priming.run(app));
        app.close(100);
        System.exit(0);
    }

    @Test
    void primingAndThePlainPathLoadNoEngineSdkClass() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-verbose:class", "-cp",
                System.getProperty("java.class.path"), PlainPathClassesTest.class.getName())
                .redirectErrorStream(true);
        pb.environment().put("GATEWAY_TABLE", "plain-path");
        pb.environment().put("GATEWAY_ADMIN_TOKEN", "plain-path-token");
        pb.environment().put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        pb.environment().put("AWS_REGION", "us-east-1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("PRIMED 9"), "priming went through: " + tail(out));
        List<String> loaded = out.lines().filter(l -> l.contains("[class,load]")).toList();
        assertTrue(loaded.stream().anyMatch(l -> l.contains("io.aigateway.dlpengine.ManagedEngines ")),
                "the engines' front class is there (so this check sees our classes)");
        assertTrue(loaded.stream().anyMatch(l -> l.contains("io.aigateway.guard.DlpStep ")));
        List<String> engineSdk = loaded.stream().filter(l -> l.contains("software.amazon.awssdk.services.bedrockruntime")
                || l.contains("software.amazon.awssdk.services.comprehend")
                || l.contains("io.aigateway.dlpengine.GuardrailCaller")
                || l.contains("io.aigateway.dlpengine.ComprehendCaller")).toList();
        assertEquals(List.of(), engineSdk);
        System.out.println("classes loaded by the Lambda assembly + priming: " + loaded.size());
    }

    private static String tail(String s) {
        return s.length() < 4000 ? s : s.substring(s.length() - 4000);
    }
}
