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
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The control plane with stacked etcd. The first node runs {@code kubeadm init} (protected: it holds the cluster)
 * once the load-balancer pair and its own preparation are done, then {@code <first>-kubeconfig} reads the CA hash
 * and the admin kubeconfig; every other node joins <b>one at a time</b>, each after the previous one is
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
    private final Output<String> identity;
    private final Command init;
    private final Command admin;
    private final List<Command> joins = new ArrayList<>();
    private final Resource upgraded;
    private final Command scheduling;

    /**
     * @param identity the cluster's identity ({@link ClusterIdentity}): every membership step is rebuilt with it
     */
    public ControlPlane(String name, ClusterConfig config, List<Host> hosts, ClusterSecrets secrets,
                        Output<String> identity, List<Resource> loadBalancerReady, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.first = hosts.get(0);
        this.identity = identity;
        Command firstPrepared = prepare(config, first, this);
        List<Resource> initAfter = new ArrayList<>(loadBalancerReady);
        initAfter.add(loadBalancerAccess(config, first, secrets, firstPrepared, this));
        this.init = RemoteScript.run(first, RemoteScript.Spec
                .of("init", Output.tuple(secrets.bootstrapToken(), secrets.certificateKey()).applyValue(t ->
                        NodeScripts.init(config, first.node(), t.t1, t.t2)).asSecret())
                .after(initAfter)
                .rebuildWhen(List.of(identity))
                .protect(!config.allowClusterDestroy())
                .onDelete(NodeScripts.reset(config, first.node()))
                .withSecrets(), this);
        // The CA hash and the kubeconfig come from a read-only step whose script never changes, so it is never
        // updated and its output stays known in a preview (an updated init's stdout is unknown there:
        // pulumi/pulumi-go-provider v1.3.0:infer/resource.go, markComputed). Only rebuilt with the cluster.
        this.admin = RemoteScript.run(first, RemoteScript.Spec
                .of("kubeconfig", Output.of(NodeScripts.kubeconfig()))
                .after(List.of(init))
                .rebuildWhen(List.of(identity))
                .readOnly()
                .withSecrets(), this);
        this.caCertHash = admin.stdout().applyValue(NodeScripts::parseCaCertHash).asSecret();
        this.kubeconfig = admin.stdout().applyValue(NodeScripts::parseKubeconfig)
                .applyValue(k -> Kubeconfigs.withServer(k, "https://" + config.apiEndpoint(), config.kubernetesApiProxy()))
                .asSecret();

        Resource previous = admin;
        Resource previousUpgrade = NodeUpgrade.create(config, first, first, true, List.of(admin), identity, this);
        for (Host host : hosts.subList(1, hosts.size())) {
            Command prepared = prepare(config, host, this);
            Command access = loadBalancerAccess(config, host, secrets, prepared, this);
            NodeJoin.Joined joined = NodeJoin.create(config, first, host, List.of(previous, access), identity,
                    token -> Output.tuple(token, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.refreshCredentials(config, host.node(), t.t1, t.t2)),
                    token -> Output.tuple(token, caCertHash, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.joinControlPlane(config, host.node(), t.t1, t.t2, t.t3)), this);
            joins.add(joined.join());
            previous = joined.join();
            previousUpgrade = NodeUpgrade.create(config, first, host, false,
                    List.of(joined.registered(), previousUpgrade), identity, this);
        }
        this.upgraded = previousUpgrade;
        // Control-plane nodes take workloads exactly when the stack has no workers (kubeadm's NoSchedule taint).
        this.scheduling = RemoteScript.run(first, RemoteScript.Spec
                .of("scheduling", Output.of(NodeScripts.scheduling(config)))
                .after(members()), this);
        registerOutputs(Map.of("caCertHash", caCertHash, "kubeconfig", kubeconfig));
    }

    /** Node preparation (swap, modules, sysctls, containerd, pinned kubelet/kubeadm/kubectl): {@code <node>-prepare}. */
    static Command prepare(ClusterConfig config, Host host, Resource parent) {
        return RemoteScript.run(host, RemoteScript.Spec.of("prepare", Output.of(NodeScripts.prepare(config, host.node()))),
                parent);
    }

    /**
     * {@code <node>-lb-access}: the load balancers' stats credentials on a control-plane node (a secret step), with
     * which its upgrade and its teardown drain its API server on every load balancer (loadbalancer/backend.sh).
     * Before the node's init or join, so its teardown (after) still finds them.
     */
    static Command loadBalancerAccess(ClusterConfig config, Host host, ClusterSecrets secrets, Resource prepared,
                                      Resource parent) {
        return RemoteScript.run(host, RemoteScript.Spec
                .of("lb-access", secrets.statsPassword().applyValue(p -> LoadBalancerScripts.access(config, p)).asSecret())
                .after(List.of(prepared))
                .onDelete(LoadBalancerScripts.accessRemove())
                .withSecrets(), parent);
    }

    /** The host that ran kubeadm init, where credentials are refreshed and nodes drained. */
    public Host firstHost() {
        return first;
    }

    /** The kubeadm init step. */
    public Command init() {
        return init;
    }

    /** The step that read the CA hash and the admin kubeconfig after init: workers wait for this, and only this. */
    public Command initialised() {
        return admin;
    }

    /** The cluster's identity, which every membership step is rebuilt with. */
    public Output<String> identity() {
        return identity;
    }

    /** The last control-plane node's upgrade steps: the workers' upgrades wait for it. */
    public Resource upgraded() {
        return upgraded;
    }

    /** Whether the control plane takes workloads is settled: after every control-plane join. */
    public Resource scheduling() {
        return scheduling;
    }

    /** Every node's init or join, in order. */
    public List<Resource> members() {
        List<Resource> all = new ArrayList<>();
        all.add(init);
        all.addAll(joins);
        return all;
    }
}
