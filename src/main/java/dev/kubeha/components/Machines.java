package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.config.Provisioner;
import dev.kubeha.config.SshSettings;
import dev.kubeha.providers.command.local.Command;
import dev.kubeha.providers.command.local.CommandArgs;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;
import dev.kubeha.providers.command.remote.inputs.ProxyConnectionArgs;
import dev.kubeha.providers.random.RandomId;
import dev.kubeha.providers.random.RandomIdArgs;
import dev.kubeha.render.vagrant.BootOrder;
import dev.kubeha.render.vagrant.SshDetails;
import dev.kubeha.render.vagrant.VagrantCommands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where every node comes from, as a {@link Host} per node. With {@code vagrant}: a {@code <node>-vm} local
 * command per VM ({@code vagrant up NAME}; delete: {@code vagrant destroy -f NAME}; the machine definition on
 * stdin, see {@link VagrantCommands}) whose stdout gives the SSH details, and whose triggers (box, provider, CPUs,
 * memory) replace that VM alone when they change (deleted first, after what was built on it has been torn down:
 * see {@link Host#machine()}); each VM boots once the VM before it in {@link BootOrder} is up; the stack's VMs are
 * kept apart from other stacks' by {@code vagrant-stack-id}. With
 * {@code existing}: the configured addresses, user, key or agent, and optional bastion, a {@code <node>-reachable}
 * step per host that waits for it to answer SSH (sshDialErrorLimit, sshPerDialTimeout), and a {@code <node>-host} id
 * per host that changes with its address.
 */
public final class Machines extends ComponentResource {
    public static final String TYPE = "kubeha:index:Machines";

    /**
     * How a step dials its machine, which answered moments before (its VM is up, or its {@code <node>-reachable}
     * step passed): a few quick attempts, so that a delete on a machine that is gone fails within about a minute
     * instead of waiting out sshDialErrorLimit on every step. The provider dials errorLimit + 1 times, 0.1 s apart
     * growing 1.5 times per attempt up to 5 s, each attempt up to perDialTimeout (pulumi/pulumi-command v1.2.1
     * provider/pkg/provider/remote/connection.go dialWithRetry; pulumi/pulumi sdk/go/common/util/retry/until.go).
     * Fixed, not a setting: a step's connection is an ordinary input, and any change of it re-runs the step.
     */
    public static final Dial STEP = new Dial(5, 10);

    /** SSH dial attempts a command tolerates, and the seconds each may take. */
    public record Dial(int errorLimit, int perDialTimeoutSeconds) {
    }

    private final Map<String, Host> hosts = new LinkedHashMap<>();
    /** vagrant: each node's {@code <node>-vm} command, created in stack order. */
    private final Map<Node, Command> vms = new LinkedHashMap<>();
    /** vagrant: the stack's Vagrant data directory under vagrant/ (VAGRANT_DOTFILE_PATH); empty otherwise. */
    public final Output<String> vagrantDotfilePath;

    /**
     * @param sshKey the private key for existing hosts ({@link #sshKey}), read before anything is created
     */
    public Machines(String name, ClusterConfig config, Optional<String> sshKey, ComponentResourceOptions options) {
        super(TYPE, name, options);
        boolean vagrant = config.provisioner() == Provisioner.VAGRANT;
        // Survives `pulumi stack rename`, unlike the stack's name; what keeps two stacks' VMs apart.
        Output<String> stackId = vagrant ? new RandomId("vagrant-stack-id", RandomIdArgs.builder().byteLength(4).build(),
                CustomResourceOptions.builder().parent(this).build()).hex() : Output.of("");
        for (Node node : config.allNodes()) {
            hosts.put(node.name(), vagrant ? vagrantHost(config, node, stackId) : existingHost(config, node, sshKey));
        }
        this.vagrantDotfilePath = vagrant ? stackId.applyValue(VagrantCommands::dotfilePath) : Output.of("");
        registerOutputs(Map.of("hosts", Output.of(List.copyOf(hosts.keySet()))));
    }

    public List<Host> hosts(List<Node> nodes) {
        return nodes.stream().map(n -> hosts.get(n.name())).toList();
    }

    private Host vagrantHost(ClusterConfig config, Node node, Output<String> stackId) {
        // A box URL may carry credentials: then the definition and the triggers are secrets in the state.
        boolean secretBox = config.vagrant().boxUrl().isPresent();
        List<Object> triggers = VagrantCommands.replaceTriggers(config, node);
        Command vm = new Command(node.name() + "-vm", CommandArgs.builder()
                .interpreter(Output.of(VagrantCommands.INTERPRETER))
                .create(stackId.applyValue(id -> VagrantCommands.up(config, node, id)))
                .delete(stackId.applyValue(id -> VagrantCommands.destroy(config, node, id)))
                .stdin(stackId.applyValue(id -> VagrantCommands.machine(config, node, id)).asSecret())
                .triggers(secretBox ? Output.ofSecret(triggers) : Output.of(triggers))
                // Its previous stdout is the VM's private key: not for vagrant's environment.
                .addPreviousOutputInEnv(false)
                .logging(dev.kubeha.providers.command.local.enums.Logging.Stderr)
                .build(), CustomResourceOptions.builder().parent(this).additionalSecretOutputs("stdout")
                // Boots after the VM before it (BootOrder); an order, not an input: it replaces nothing.
                .dependsOn(BootOrder.after(config, node).<Resource>map(vms::get).stream().toList())
                // A Vagrant VM is known by its name: the new one cannot be created beside the old one.
                .deleteBeforeReplace(true)
                // The first control-plane node's VM holds the cluster (see ClusterIdentity).
                .protect(config.holdsTheCluster(node)).build());
        vms.put(node, vm);
        Output<ConnectionArgs> connection = vm.stdout().applyValue(VagrantCommands::parseSshDetails)
                .applyValue(d -> connection(config.ssh(), d, Optional.empty(), STEP));
        return new Host(node, connection.asSecret(), List.of(vm), vm.id());
    }

    private Host existingHost(ClusterConfig config, Node node, Optional<String> key) {
        SshSettings ssh = config.ssh();
        SshDetails details = new SshDetails(node.address(), ssh.port(), ssh.user(), key.orElse(null));
        Dial patient = new Dial(ssh.dialErrorLimit(), ssh.perDialTimeoutSeconds());
        List<String> ignored = new ArrayList<>(List.of("connection.dialErrorLimit", "connection.perDialTimeout"));
        if (ssh.bastion().isPresent()) {
            ignored.addAll(List.of("connection.proxy.dialErrorLimit", "connection.proxy.perDialTimeout"));
        }
        // Waits, as patiently as the stack says, until the host answers SSH (it may still be booting); runs nothing.
        // The engine ignores a later change of those settings (pulumi/pulumi pkg/resource/deploy/step_generator.go,
        // processIgnoreChanges: the old values are kept, on update and replace alike), so such a change touches no
        // machine; the new values apply to hosts added afterwards.
        var reachable = new dev.kubeha.providers.command.remote.Command(node.name() + "-reachable",
                dev.kubeha.providers.command.remote.CommandArgs.builder()
                .connection(Output.ofSecret(connection(ssh, details, bastion(ssh, key, patient), patient)))
                .create(":")
                .addPreviousOutputInEnv(false)
                .build(), CustomResourceOptions.builder().parent(this).ignoreChanges(ignored).build());
        return new Host(node, Output.ofSecret(connection(ssh, details, bastion(ssh, key, STEP), STEP)), List.of(reachable),
                hostIdentity(node));
    }

    /**
     * What identifies an existing host: {@code <node>-host}, a random id kept while its address stays. A new
     * address replaces it, delete-before-replace, so the engine first tears down every step built on the old host
     * (they have it as a trigger) in reverse order, then builds them on the new host in order
     * (pulumi/pulumi:pkg/resource/deploy/step_generator.go, calculateDependentReplacements), as a new VM does.
     */
    private Output<String> hostIdentity(Node node) {
        return new RandomId(node.name() + "-host", RandomIdArgs.builder().byteLength(8)
                .keepers(Map.of("address", node.address())).build(),
                CustomResourceOptions.builder().parent(this).deleteBeforeReplace(true).build()).hex();
    }

    private static Optional<ProxyConnectionArgs> bastion(SshSettings ssh, Optional<String> key, Dial dial) {
        return ssh.bastion().map(b -> {
            ProxyConnectionArgs.Builder p = ProxyConnectionArgs.builder().host(b.host()).port((double) b.port()).user(b.user())
                    .dialErrorLimit(dial.errorLimit()).perDialTimeout(dial.perDialTimeoutSeconds());
            key.ifPresent(k -> p.privateKey(Output.ofSecret(k)));
            ssh.agentSocket().ifPresent(p::agentSocketPath);
            return p.build();
        });
    }

    /** The SSH connection of a host, the key always a secret. */
    static ConnectionArgs connection(SshSettings ssh, SshDetails details, Optional<ProxyConnectionArgs> proxy, Dial dial) {
        ConnectionArgs.Builder c = ConnectionArgs.builder()
                .host(details.host())
                .port((double) details.port())
                .user(details.user())
                .dialErrorLimit(dial.errorLimit())
                .perDialTimeout(dial.perDialTimeoutSeconds());
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
