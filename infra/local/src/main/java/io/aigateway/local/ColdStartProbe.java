package io.aigateway.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.aigateway.lambda.LambdaHandler;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.store.TableSchema;

import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * Measures what a Lambda cold start costs the gateway itself: a fresh JVM, the handler's init (the same code the
 * Lambda runtime runs; with GATEWAY_PRIME_ON_INIT=true the SnapStart priming runs eagerly), then the first and
 * second chat-completion events. Used by bench/coldstart.sh; prints one JSON line.
 *
 * <pre>java -cp infra/local/target/gateway-local.jar io.aigateway.local.ColdStartProbe [create-table]</pre>
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && "create-table".equals(args[0])) {
            try (var dynamo = AwsClients.dynamo(AwsClients.httpClient(), new StoreStats())) {
                TableSchema.createIfMissing(dynamo, System.getenv().getOrDefault("GATEWAY_TABLE", "ai-gateway"));
            }
            return;
        }
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        LambdaHandler handler = new LambdaHandler();
        long t1 = System.nanoTime();
        APIGatewayV2HTTPResponse first = handler.handleRequest(event(), null);
        long t2 = System.nanoTime();
        APIGatewayV2HTTPResponse second = handler.handleRequest(event(), null);
        long t3 = System.nanoTime();
        System.out.printf("{\"prime_on_init\":%s,\"jvm_to_main_ms\":%d,\"init_ms\":%.1f,\"first_event_ms\":%.1f,"
                        + "\"second_event_ms\":%.1f,\"jvm_to_first_response_ms\":%d,\"status\":[%d,%d],\"loaded_classes\":%d}%n",
                "true".equalsIgnoreCase(System.getenv("GATEWAY_PRIME_ON_INIT")), mainAt - jvmStart,
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6,
                mainAt - jvmStart + (t2 - t0) / 1_000_000, first.getStatusCode(), second.getStatusCode(),
                ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        System.exit(0);
    }

    private static APIGatewayV2HTTPEvent event() {
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("POST");
        http.setSourceIp("203.0.113.25");
        APIGatewayV2HTTPEvent.RequestContext ctx = new APIGatewayV2HTTPEvent.RequestContext();
        ctx.setHttp(http);
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setRequestContext(ctx);
        event.setRawPath("/v1/acct/default/openai/chat/completions");
        event.setRawQueryString("");
        event.setHeaders(Map.of("content-type", "application/json", "authorization", "Bearer sk-test",
                "user-agent", "OpenAI/Python 1.109.1"));
        event.setBody("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}");
        return event;
    }
}
