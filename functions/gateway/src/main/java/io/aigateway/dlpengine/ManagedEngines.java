package io.aigateway.dlpengine;

import io.aigateway.dlp.Finding;
import io.aigateway.store.AwsClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Calls the managed DLP engines a gateway's policies name, each on a virtual thread, while the caller runs the
 * built-in detectors; {@link Pending#await()} then waits for each at most until its {@code timeout_ms} from the
 * start. An SDK client is built per engine type and region on first use, on the calling thread (so its one-off cost
 * does not eat the first call's timeout; the first call also gets {@link #FIRST_CALL_GRACE_MS} more), and never for a
 * gateway without engines: a process that never sees one loads no class of the Bedrock runtime or Comprehend SDK
 * modules.
 */
public final class ManagedEngines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedEngines.class);

    /**
     * Extra time the first call of each client gets: it loads and links much of the SDK's request path (marshalling,
     * signing, the service model), which on a cold Lambda or a busy machine can take longer than a whole warm call.
     */
    static final int FIRST_CALL_GRACE_MS = 3000;

    private final BiFunction<String, String, EngineCaller> factory;
    private final Map<String, Client> callers = new ConcurrentHashMap<>();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private SdkHttpClient ownHttp;

    ManagedEngines(BiFunction<String, String, EngineCaller> factory) {
        this.factory = factory;
    }

    /**
     * Engines on AWS.
     *
     * @param env         the process environment: AWS_REGION, and the endpoint overrides (tests, LocalStack)
     * @param shared      the SDK HTTP client to share; null: one of their own, made on first use
     * @param credentials the function's own credentials (asked for on each call; the source caches them)
     */
    public static ManagedEngines aws(Map<String, String> env, SdkHttpClient shared,
                                     Supplier<AwsCredentialsIdentity> credentials) {
        ManagedEngines[] self = new ManagedEngines[1];
        Supplier<SdkHttpClient> http = shared != null ? () -> shared : () -> self[0].ownHttp();
        AwsAccess access = new AwsAccess(env, http, credentials);
        self[0] = new ManagedEngines((type, region) -> switch (type) {
            case EngineSpec.Guardrail.TYPE -> new GuardrailCaller(access, region);
            case EngineSpec.ComprehendPii.TYPE -> new ComprehendCaller(access, region);
            default -> throw new IllegalArgumentException("unknown engine type " + type);
        });
        return self[0];
    }

    private synchronized SdkHttpClient ownHttp() {
        if (ownHttp == null) {
            ownHttp = AwsClients.httpClient();
        }
        return ownHttp;
    }

    /** Starts one call per engine over {@code texts}; nothing is started when either list is empty. */
    public Pending start(List<EngineSpec> engines, List<String> texts, boolean request) {
        if (engines.isEmpty() || texts.isEmpty()) {
            return new Pending(List.of(), 0);
        }
        List<Call> started = new ArrayList<>(engines.size());
        for (EngineSpec spec : engines) {
            Client client;
            try {
                client = callers.computeIfAbsent(spec.type() + "|" + spec.region(),
                        k -> new Client(factory.apply(spec.type(), spec.region())));
            } catch (RuntimeException e) {
                started.add(new Call(spec, null, new EngineResult.Failed(spec,
                        "client not available (" + e.getClass().getSimpleName() + ")")));
                continue;
            }
            long allowed = spec.timeoutMs() + (client.warm ? 0 : FIRST_CALL_GRACE_MS);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(allowed);
            Future<EngineResult> f = calls.submit(() -> {
                try {
                    return client.caller.check(spec, texts, request, deadline);
                } finally {
                    client.warm = true;
                }
            });
            started.add(new Call(spec, f, null, deadline, (int) allowed));
        }
        return new Pending(started, texts.size());
    }

    private static final class Client {
        final EngineCaller caller;
        volatile boolean warm;

        Client(EngineCaller caller) {
            this.caller = caller;
        }
    }

    private record Call(EngineSpec spec, Future<EngineResult> future, EngineResult.Failed failed, long deadline,
                        int allowedMs) {
        Call(EngineSpec spec, Future<EngineResult> future, EngineResult.Failed failed) {
            this(spec, future, failed, 0, 0);
        }
    }

    /** The calls of one check, in the order of the engines given. */
    public static final class Pending {
        private final List<Call> calls;
        private final int texts;

        private Pending(List<Call> calls, int texts) {
            this.calls = calls;
            this.texts = texts;
        }

        public boolean isEmpty() {
            return calls.isEmpty();
        }

        /** Each engine's result; a call past its deadline is cancelled and reported as failed. */
        public List<EngineResult> await() {
            List<EngineResult> out = new ArrayList<>(calls.size());
            for (Call c : calls) {
                EngineResult r = c.failed() != null ? c.failed() : join(c);
                if (r instanceof EngineResult.Failed f) {
                    LOG.warn("DLP engine '{}' ({}) failed, on_error {}: {}", f.engine().id(), f.engine().type(),
                            f.engine().onError().name().toLowerCase(java.util.Locale.ROOT), f.reason());
                } else if (r instanceof EngineResult.Checked ch && ch.placed().size() != texts) {
                    r = new EngineResult.Failed(c.spec(), "answered for the wrong number of texts");
                }
                out.add(r);
            }
            return out;
        }

        private static EngineResult join(Call c) {
            try {
                return c.future().get(Math.max(0, c.deadline() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | CancellationException e) {
                c.future().cancel(true);
                return new EngineResult.Failed(c.spec(), Failures.timedOut(c.allowedMs()));
            } catch (ExecutionException e) {
                return new EngineResult.Failed(c.spec(), Failures.describe(e.getCause(), c.allowedMs()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.future().cancel(true);
                return new EngineResult.Failed(c.spec(), "interrupted");
            }
        }
    }

    /** Findings of every engine's placed results for text {@code i} (a convenience for callers). */
    public static List<Finding> placed(List<EngineResult> results, int i) {
        List<Finding> out = new ArrayList<>();
        for (EngineResult r : results) {
            if (r instanceof EngineResult.Checked c) {
                out.addAll(c.placed().get(i));
            }
        }
        return out;
    }

    @Override
    public void close() {
        calls.shutdownNow();
        for (Client c : callers.values()) {
            try {
                c.caller.close();
            } catch (RuntimeException ignored) {
                // closing on the way out
            }
        }
        callers.clear();
        synchronized (this) {
            if (ownHttp != null) {
                ownHttp.close();
            }
        }
    }
}
