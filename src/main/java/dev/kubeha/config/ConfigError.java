package dev.kubeha.config;

/**
 * One problem in the stack's configuration: where it is (a full key path such as {@code kubeha:workers[0].name}, or
 * the stack file itself) and what is wrong with it.
 */
public record ConfigError(String path, String message) {
    /** An error in the kubeha namespace: {@code path} is relative to it ("workers[0].name"). */
    public static ConfigError of(String path, String message) {
        return new ConfigError(ProjectSchema.NAMESPACE + ":" + path, message);
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
