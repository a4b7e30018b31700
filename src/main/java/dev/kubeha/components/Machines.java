package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ConfigError;
import dev.kubeha.config.ConfigException;
import dev.kubeha.config.Node;
import dev.kubeha.config.Provisioner;
import dev.kubeha.config.SshSettings;
import dev.kubeha.providers.command.local.Command;
import dev.kubeha.providers.command.local.CommandArgs;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;
import dev.kubeha.providers.command.remote.inputs.ProxyConnectionArgs;
import dev.kubeha.providers.random.RandomId;
import dev.kubeha.providers.random.RandomIdArgs;
import dev.kubeha.render.vagrant.SshDetails;
import dev.kubeha.render.vagrant.VagrantCommands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where every node comes from, as a {@link Host} per node. With {@code vagrant}: a {@code <node>-vm} local
 * command per VM ({@code vagrant up NAME}; delete: {@code vagrant destroy -f NAME}) whose stdout gives the SSH
 * details, and whose triggers (box, provider, CPUs, memory) replace that VM alone when they change (deleted
 * first, after what was built on it has been torn down: see {@link Host#machine()}). With
 * {@code existing}: the configured addresses, user, key or agent, and optional bastion; nothing is created but a
 * {@code <node>-host} id per host that changes with its address.
 */
public final class Machines extends ComponentResource {
    public static final String TYPE = "kubeha:index:Machines";

    private final Map<String, Host> hosts = new LinkedHashMap<>();

    /**
     * @param sshKey the private key for existing hosts ({@link #sshKey}), read before anything is created
     */
    public Machines(String name, ClusterConfig config, String stack, Optional<String> sshKey,
                    ComponentResourceOptions options) {
        super(TYPE, name, options);
        for (Node node : config.allNodes()) {
            hosts.put(node.name(), config.provisioner() == Provisioner.VAGRANT
                    ? vagrantHost(config, node, stack) : existingHost(config, node, sshKey, this));
        }
        registerOutputs(Map.of("hosts", Output.of(List.copyOf(hosts.keySet()))));
    }

    public List<Host> hosts(List<Node> nodes) {
        return nodes.stream().map(n -> hosts.get(n.name())).toList();
    }

    private Host vagrantHost(ClusterConfig config, Node node, String stack) {
        Command vm = new Command(node.name() + "-vm", CommandArgs.builder()
                .create(VagrantCommands.up(config, node, stack))
                .delete(VagrantCommands.destroy(config, node, stack))
                .triggers(Output.of(VagrantCommands.replaceTriggers(config, node)))
                .logging(dev.kubeha.providers.command.local.enums.Logging.Stderr)
                .build(), CustomResourceOptions.builder().parent(this).additionalSecretOutputs("stdout")
                // A Vagrant VM is known by its name: the new one cannot be created beside the old one.
                .deleteBeforeReplace(true)
                // The first control-plane node's VM holds the cluster (see ClusterIdentity).
                .protect(node.equals(config.firstControlPlane()) && !config.allowClusterDestroy()).build());
        Output<ConnectionArgs> connection = vm.stdout().applyValue(VagrantCommands::parseSshDetails)
                .applyValue(d -> connection(config.ssh(), d, Optional.empty()));
        return new Host(node, connection.asSecret(), List.of(vm), vm.id());
    }

    private static Host existingHost(ClusterConfig config, Node node, Optional<String> key, Machines parent) {
        SshSettings ssh = config.ssh();
        SshDetails details = new SshDetails(node.address(), ssh.port(), ssh.user(), key.orElse(null));
        Optional<ProxyConnectionArgs> proxy = ssh.bastion().map(b -> {
            ProxyConnectionArgs.Builder p = ProxyConnectionArgs.builder().host(b.host()).port((double) b.port()).user(b.user())
                    .dialErrorLimit(ssh.dialErrorLimit()).perDialTimeout(ssh.perDialTimeoutSeconds());
            key.ifPresent(k -> p.privateKey(Output.ofSecret(k)));
            ssh.agentSocket().ifPresent(p::agentSocketPath);
            return p.build();
        });
        return new Host(node, Output.ofSecret(connection(ssh, details, proxy)), List.of(), hostIdentity(node, parent));
    }

    /**
     * What identifies an existing host: {@code <node>-host}, a random id kept while its address stays. A new
     * address replaces it, delete-before-replace, so the engine first tears down every step built on the old host
     * (they have it as a trigger) in reverse order, then builds them on the new host in order
     * (pulumi/pulumi:pkg/resource/deploy/step_generator.go, calculateDependentReplacements), as a new VM does.
     */
    private static Output<String> hostIdentity(Node node, Machines parent) {
        return new RandomId(node.name() + "-host", RandomIdArgs.builder().byteLength(8)
                .keepers(Map.of("address", node.address())).build(),
                CustomResourceOptions.builder().parent(parent).deleteBeforeReplace(true).build()).hex();
    }

    /** The SSH connection of a host: retries and timeouts from the stack, the key always a secret. */
    static ConnectionArgs connection(SshSettings ssh, SshDetails details, Optional<ProxyConnectionArgs> proxy) {
        ConnectionArgs.Builder c = ConnectionArgs.builder()
                .host(details.host())
                .port((double) details.port())
                .user(details.user())
                .dialErrorLimit(ssh.dialErrorLimit())
                .perDialTimeout(ssh.perDialTimeoutSeconds());
        Optional.ofNullable(details.privateKey()).ifPresent(k -> c.privateKey(Output.ofSecret(k)));
        ssh.agentSocket().ifPresent(c::agentSocketPath);
        proxy.ifPresent(c::proxy);
        return c.build();
    }

    /**
     * The SSH key for existing hosts: the secret config value or the content of sshPrivateKeyPath, read (and
     * refused when unusable) while the config was checked, so before any resource is created; none for an agent.
     */
    public static Optional<String> sshKey(ClusterConfig config) {
        return config.ssh().privateKey();
    }
}
