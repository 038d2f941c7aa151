package io.aigateway.plugin;

import java.util.Optional;
import java.util.function.Function;

/** Wire names of the settings enums: case-insensitive, empty for anything else (callers answer 400, never guess). */
final class Labels {
    private Labels() {
    }

    static <E> Optional<E> parse(E[] values, String name, Function<E, String> label) {
        if (name != null) {
            for (E e : values) {
                if (label.apply(e).equalsIgnoreCase(name.trim())) {
                    return Optional.of(e);
                }
            }
        }
        return Optional.empty();
    }
}
