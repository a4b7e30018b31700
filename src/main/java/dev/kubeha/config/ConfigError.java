package dev.kubeha.config;

/** One problem in the stack's configuration: the field's path and what is wrong with it. */
public record ConfigError(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
