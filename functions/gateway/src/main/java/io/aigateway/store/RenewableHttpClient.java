package io.aigateway.store;

import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;

import java.util.function.Supplier;

/**
 * The AWS SDK's HTTP client behind a handle that can start a fresh connection pool. After a SnapStart restore the
 * pooled connections made before the snapshot are dead (and shared by every restored copy); the SDK offers no way
 * to evict them, so {@link #renew()} swaps in a new client and closes the old one. Renewal happens when no request
 * is in flight (before a checkpoint, after a restore).
 */
public final class RenewableHttpClient implements SdkHttpClient {
    private final Supplier<SdkHttpClient> factory;
    private volatile SdkHttpClient current;

    public RenewableHttpClient(Supplier<SdkHttpClient> factory) {
        this.factory = factory;
        this.current = factory.get();
    }

    public void renew() {
        SdkHttpClient old = current;
        current = factory.get();
        old.close();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return current.prepareRequest(request);
    }

    @Override
    public String clientName() {
        return current.clientName();
    }

    @Override
    public void close() {
        current.close();
    }
}
