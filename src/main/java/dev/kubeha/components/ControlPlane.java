package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.render.kubeconfig.Kubeconfigs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The control plane with stacked etcd. The first node runs {@code kubeadm init} once the load-balancer pair
 * and its own preparation are done; every other node joins <b>one at a time</b>, each after the previous one is
 * a healthy etcd member and API server (concurrent joins race on etcd learner promotion). Right before each join,
 * {@code <node>-credentials} on the first node creates that join's own short-lived token and re-uploads the
 * certificates with the known key, so a node added weeks later joins as well as one added today. Each node also has
 * the upgrade steps of {@link NodeUpgrade}, one node at a time from the first.
 */
public final class ControlPlane extends ComponentResource {
    public static final String TYPE = "kubeha:index:ControlPlane";

    /** sha256:... of the cluster CA's public key, for join discovery. */
    @Export(name = "caCertHash", refs = {String.class}, tree = "[0]")
    public final Output<String> caCertHash;
    /** The admin kubeconfig, its server set to the VIP endpoint. */
    @Export(name = "kubeconfig", refs = {String.class}, tree = "[0]")
    public final Output<String> kubeconfig;

    private final Host first;
    private final Command init;
    private final List<Command> joins = new ArrayList<>();
    private final Resource upgraded;

    public ControlPlane(String name, ClusterConfig config, List<Host> hosts, ClusterSecrets secrets,
                        List<Resource> loadBalancerReady, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.first = hosts.get(0);
        Command firstPrepared = prepare(config, first, this);
        List<Resource> initAfter = new ArrayList<>(loadBalancerReady);
        initAfter.add(firstPrepared);
        this.init = RemoteScript.run(first, RemoteScript.Spec
                .of("init", Output.tuple(secrets.bootstrapToken(), secrets.certificateKey()).applyValue(t ->
                        NodeScripts.init(config, first.node(), t.t1, t.t2)).asSecret())
                .after(initAfter)
                .onDelete(NodeScripts.reset(config, first.node()))
                .withSecrets(), this);
        this.caCertHash = init.stdout().applyValue(NodeScripts::parseCaCertHash).asSecret();
        Command admin = RemoteScript.run(first, RemoteScript.Spec
                .of("kubeconfig", Output.of(NodeScripts.kubeconfig(config)))
                .after(List.of(init))
                .withSecrets(), this);
        this.kubeconfig = admin.stdout()
                .applyValue(k -> Kubeconfigs.withServer(k, "https://" + config.apiEndpoint())).asSecret();

        Resource previous = init;
        Resource previousUpgrade = NodeUpgrade.create(config, first, first, true, List.of(init), caCertHash, this);
        for (Host host : hosts.subList(1, hosts.size())) {
            Command prepared = prepare(config, host, this);
            NodeJoin.Joined joined = NodeJoin.create(config, first, host, List.of(previous, prepared), caCertHash,
                    token -> Output.tuple(token, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.refreshCredentials(config, host.node(), t.t1, t.t2)),
                    token -> Output.tuple(token, caCertHash, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.joinControlPlane(config, host.node(), t.t1, t.t2, t.t3)), this);
            joins.add(joined.join());
            previous = joined.join();
            previousUpgrade = NodeUpgrade.create(config, first, host, false,
                    List.of(joined.registered(), previousUpgrade), caCertHash, this);
        }
        this.upgraded = previousUpgrade;
        registerOutputs(Map.of("caCertHash", caCertHash, "kubeconfig", kubeconfig));
    }

    /** Node preparation (swap, modules, sysctls, containerd, pinned kubelet/kubeadm/kubectl): {@code <node>-prepare}. */
    static Command prepare(ClusterConfig config, Host host, Resource parent) {
        return RemoteScript.run(host, RemoteScript.Spec.of("prepare", Output.of(NodeScripts.prepare(config, host.node()))),
                parent);
    }

    /** The host that ran kubeadm init, where credentials are refreshed and nodes drained. */
    public Host firstHost() {
        return first;
    }

    /** The kubeadm init step: workers wait for this, and only this. */
    public Command init() {
        return init;
    }

    /** The last control-plane node's upgrade steps: the workers' upgrades wait for it. */
    public Resource upgraded() {
        return upgraded;
    }

    /** Every node's init or join, in order. */
    public List<Resource> members() {
        List<Resource> all = new ArrayList<>();
        all.add(init);
        all.addAll(joins);
        return all;
    }
}
