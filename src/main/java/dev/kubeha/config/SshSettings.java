package dev.kubeha.config;

import java.util.Optional;

/**
 * How to reach existing hosts: a key (the secret sshPrivateKey, or sshPrivateKeyPath) or an agent socket, for the
 * existing provisioner; Vagrant reads user and key from Vagrant itself. {@code privateKey} is the key's content
 * either way (a secret): the parser reads the file at {@code privateKeyPath} while it checks the config.
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
