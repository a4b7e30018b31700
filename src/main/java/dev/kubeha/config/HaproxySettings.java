package dev.kubeha.config;

/** HAProxy tunables (see Pulumi.yaml for what each means). */
public record HaproxySettings(
        int statsPort,
        String statsUser,
        int checkIntervalMs,
        int checkFall,
        int checkRise,
        int connectTimeoutMs,
        int retries) {
}
