package dev.kubeha.config;

import java.util.Optional;

/**
 * Keepalived tunables. {@code authPassword} is the configured VRRPv2 auth_pass, if any (a secret; kubeha
 * generates one when VRRPv2 is used without it).
 */
public record KeepalivedSettings(
        int routerId,
        int vrrpVersion,
        int advertIntervalMs,
        Preemption preempt,
        int preemptDelaySeconds,
        Optional<String> authPassword) {
}
