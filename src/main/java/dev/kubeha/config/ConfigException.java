package dev.kubeha.config;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown before any resource is created when the configuration has errors; lists every one of them. */
public final class ConfigException extends RuntimeException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }

    /**
     * The one way errors are shown, by validate, by plan and by the program under the engine: a heading, then every
     * error with its path on a line of its own.
     */
    public static String describe(List<ConfigError> errors) {
        return "kubeha configuration has " + errors.size() + " error" + (errors.size() == 1 ? "" : "s")
                + " (nothing was created or changed):\n"
                + errors.stream().map(e -> "  - " + e).collect(Collectors.joining("\n"));
    }
}
