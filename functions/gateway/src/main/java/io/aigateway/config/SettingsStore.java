package io.aigateway.config;

import java.util.List;
import java.util.Optional;

/** Where gateway settings are kept ({@link DynamoSettingsStore}); read through {@link SettingsCache} on requests. */
public interface SettingsStore {
    /** @throws RuntimeException when the store cannot be read (the caller decides: never fail open) */
    Optional<GatewaySettings> get(String id);

    List<GatewaySettings> list();

    void put(GatewaySettings settings);

    /** Stores {@code settings} unless settings of that id exist; true when stored. */
    boolean putIfAbsent(GatewaySettings settings);

    /** True when there was something to delete. */
    boolean delete(String id);
}
