package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.random.RandomPassword;
import dev.kubeha.providers.random.RandomPasswordArgs;

/**
 * The secrets kubeha generates with the random provider; each is a Pulumi secret from the moment it exists and is
 * kept in the stack's state, so a re-run reuses it.
 *
 * @param statsPassword  HAProxy stats page password
 * @param vrrpPassword   VRRPv2 auth_pass (the configured one, or generated); unused with VRRPv3
 * @param bootstrapToken the kubeadm init bootstrap token, [a-z0-9]{6}.[a-z0-9]{16}
 * @param certificateKey the 64-hex-digit key that encrypts the uploaded control-plane certificates
 */
public record ClusterSecrets(Output<String> statsPassword, Output<String> vrrpPassword, Output<String> bootstrapToken,
                             Output<String> certificateKey) {

    public static ClusterSecrets create(ClusterConfig config) {
        Output<String> stats = new RandomPassword("haproxy-stats-password", RandomPasswordArgs.builder()
                .length(24).special(false).build()).result().asSecret();
        Output<String> vrrp = config.keepalived().vrrpVersion() != 2 ? Output.ofSecret("")
                : config.keepalived().authPassword().map(Output::ofSecret).orElseGet(() ->
                new RandomPassword("keepalived-auth-password", RandomPasswordArgs.builder()
                        .length(8).special(false).build()).result().asSecret());
        return new ClusterSecrets(stats, vrrp, bootstrapToken("kubeadm-bootstrap-token", CustomResourceOptions.Empty), newCertificateKey());
    }

    /** A kubeadm bootstrap token: 22 random [a-z0-9] characters, shaped as 6.16. */
    public static Output<String> bootstrapToken(String name, CustomResourceOptions options) {
        return new RandomPassword(name, RandomPasswordArgs.builder()
                .length(22).upper(false).special(false).build(), options)
                .result().applyValue(r -> r.substring(0, 6) + "." + r.substring(6)).asSecret();
    }

    /**
     * The certificate key: 64 hex digits (32 bytes, AES-256), drawn by RandomPassword from the digits plus
     * "abcdef" as its only "special" characters, so the value is a secret in state (RandomId would store its
     * bytes in the resource id).
     */
    private static Output<String> newCertificateKey() {
        return new RandomPassword("kubeadm-certificate-key", RandomPasswordArgs.builder()
                .length(64).lower(false).upper(false).numeric(true).special(true).overrideSpecial("abcdef").build())
                .result().asSecret();
    }
}
