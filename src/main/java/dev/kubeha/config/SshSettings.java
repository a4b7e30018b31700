package dev.kubeha.config;

import java.util.Optional;

/**
 * How to reach existing hosts. Exactly one of privateKeyPath, privateKey (secret) or agentSocket is expected
 * for the existing provisioner; Vagrant reads user and key from Vagrant itself.
 */
public record SshSettings(
        String user,
        int port,
        Optional<String> privateKeyPath,
        Optional<String> privateKey,
        Optional<String> agentSocket,
        Optional<Bastion> bastion,
        int dialErrorLimit,
        int perDialTimeoutSeconds) {

    /** A jump host every connection goes through. */
    public record Bastion(String host, int port, String user) {
    }
}
