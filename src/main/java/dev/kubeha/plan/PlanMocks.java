package dev.kubeha.plan;

import com.pulumi.test.Mocks;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the providers would answer, for the offline plan: inputs echoed as state (a command's scripts aside), commands print what kubeha's
 * scripts print (a VM's SSH details point at its configured address), and every secret a provider would make is a
 * placeholder of the right shape, the same in every plan of the stack. {@link #secrets()} lists them so that output can show
 * {@code [secret]} instead.
 */
final class PlanMocks implements Mocks {
    static final String CA_CERT_HASH = "sha256:" + "0".repeat(64);
    /**
     * A command's inputs that carry script text (tens of kB each, the node library included), which its state does
     * not echo here: the program reads none of them back (only stdout), and the SDK formats every registration's
     * whole answer as text for a debug message whatever the log level (com.pulumi:pulumi 1.36.1 DeploymentImpl,
     * RegisterResource: "Registering resource monitor end: ... result=%s"), a third of a large plan's time.
     */
    private static final List<String> SCRIPTS = List.of("create", "update", "delete", "stdin");
    private final ClusterConfig config;
    private final Set<String> secrets = new LinkedHashSet<>();

    PlanMocks(ClusterConfig config) {
        this.config = config;
    }

    /** Registers a secret that came from elsewhere (an encrypted stack value's placeholder). */
    void addSecret(String value) {
        secrets.add(value);
    }

    /** Every placeholder secret handed out so far. */
    Set<String> secrets() {
        return secrets;
    }

    @Override
    public synchronized CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        Map<String, Object> state = new LinkedHashMap<>(args.inputs);
        switch (args.type) {
            case "command:remote:Command", "command:local:Command" -> {
                SCRIPTS.forEach(state::remove);
                state.put("stdout", stdout(args.name));
                state.put("stderr", "");
            }
            case "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString" -> {
                int length = ((Number) args.inputs.getOrDefault("length", 16)).intValue();
                state.put("result", secret(args.name, length));
            }
            case "random:index/randomId:RandomId" ->
                    state.put("hex", "0".repeat(2 * ((Number) args.inputs.getOrDefault("byteLength", 8)).intValue()));
            default -> {
            }
        }
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(args.name + "-plan-id"), state));
    }

    private String stdout(String name) {
        if (name.endsWith("-init")) {
            return "KUBEHA_CA_CERT_HASH=" + CA_CERT_HASH + "\n";
        }
        if (name.endsWith("-kubeconfig")) {
            String key = secret(name, 32);
            return "KUBEHA_CA_CERT_HASH=" + CA_CERT_HASH + "\napiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://" + config.firstControlPlane().address()
                    + ":" + config.apiPort() + "\n  name: " + config.clusterName() + "\nusers:\n- name: admin\n  user:\n"
                    + "    client-key-data: " + key + "\n";
        }
        if (name.endsWith("-etcd-ca")) {
            return "KUBEHA_ETCD_CA_CRT=" + secret(name + "/ca.crt", 24) + "\nKUBEHA_ETCD_CA_KEY=" + secret(name + "/ca.key", 24)
                    + "\nKUBEHA_ETCD_CLIENT_CRT=" + secret(name + "/client.crt", 24) + "\nKUBEHA_ETCD_CLIENT_KEY="
                    + secret(name + "/client.key", 24) + "\n";
        }
        if (name.endsWith("-vm")) {
            String node = name.substring(0, name.length() - 3);
            String address = config.allNodes().stream().filter(n -> n.name().equals(node)).map(Node::address).findFirst()
                    .orElse("127.0.0.1");
            return "KUBEHA_SSH_HOST=" + address + "\nKUBEHA_SSH_PORT=22\nKUBEHA_SSH_USER=vagrant\nKUBEHA_SSH_KEY_BEGIN\n"
                    + secret(name, 40) + "\nKUBEHA_SSH_KEY_END\n";
        }
        return "";
    }

    /**
     * A placeholder secret: hex digits (valid for tokens and keys alike), of the given length, derived from what it
     * belongs to (a resource's name): the same in every plan of a stack, which registers its resources in no fixed
     * order, so that a change plan ({@link Planner#change}) sees no secret change that the stacks do not make.
     */
    private String secret(String owner, int length) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(owner.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String seed = String.format("%08x", crc.getValue());
        StringBuilder s = new StringBuilder();
        while (s.length() < length) {
            s.append(seed);
        }
        String value = s.substring(0, length);
        secrets.add(value);
        if (length == 22) {
            secrets.add(value.substring(0, 6) + "." + value.substring(6));
        }
        return value;
    }
}
