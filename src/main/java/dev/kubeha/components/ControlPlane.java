package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.render.kubeconfig.Kubeconfigs;
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The control plane, with stacked etcd or, with etcdNodes, the {@link EtcdCluster}'s external etcd. The node that runs kubeadm init ({@link ClusterConfig#initNode}, the first by
 * default) does so once the load-balancer pair and its own preparation are done, then {@code <node>-kubeconfig} reads
 * the CA hash and the admin kubeconfig; once that node has left the stack (controlPlaneInitNode names it), that
 * read step stays as the record of what it read and no node runs init again. {@code control-plane-members} checks
 * etcd's membership against the list before any node joins or leaves. Every other node joins <b>one at a time</b>,
 * each after the previous one is a healthy etcd member and API server (concurrent joins race on etcd learner
 * promotion); right before each join, {@code <node>-credentials} on its acting member ({@link #actingFor}) creates that
 * join's own short-lived token and re-uploads the certificates with the known key, so a node added weeks later joins
 * as well as one added today. Each node has a {@code <node>-drain} on its acting member, whose delete takes it out of
 * the cluster before its own teardown ({@link NodeJoin#departure}), and the upgrade steps of {@link NodeUpgrade}, one
 * node at a time from the cluster's acting member (the workers' wait for the last), then a daily check of its kubeadm
 * certificates ({@code <node>-certificates}), one node at a time (with external etcd, then the API servers moved to
 * the etcd nodes' current addresses, {@link EtcdEndpoints}), and the etcd snapshots of {@link EtcdBackups}
 * (taken before its upgrade too), which also restores every member when etcdRestoreFrom is set (with external
 * etcd, the etcd nodes', between this control plane's static pods stopped and started again).
 */
public final class ControlPlane extends ComponentResource {
    public static final String TYPE = "kubeha:index:ControlPlane";

    /** sha256:... of the cluster CA's public key, for join discovery. */
    @Export(name = "caCertHash", refs = {String.class}, tree = "[0]")
    public final Output<String> caCertHash;
    /** The admin kubeconfig, its server set to the VIP endpoint. */
    @Export(name = "kubeconfig", refs = {String.class}, tree = "[0]")
    public final Output<String> kubeconfig;

    private final Map<Node, Host> hosts = new LinkedHashMap<>();
    private final ClusterConfig config;
    private final Output<String> identity;
    private final Command init;
    private final Command admin;
    private final List<Command> joins = new ArrayList<>();
    private final Resource upgraded;
    private final Resource certificatesChecked;
    private final Command scheduling;

    /**
     * @param identity the cluster's identity ({@link ClusterIdentity}): every membership step is rebuilt with it
     * @param today    the UTC day of this run, the stamp of the daily certificate checks
     * @param externalEtcd the etcd nodes' cluster with etcdNodes set (init waits for every member, after
     *                     {@code <first>-etcd-client} put its client certificate on the first node; the nodes' upgrades
     *                     after the etcd nodes'; no snapshots here), else empty: etcd stacked on these nodes
     */
    public ControlPlane(String name, ClusterConfig config, List<Host> hosts, ClusterSecrets secrets,
                        Output<String> identity, List<Resource> loadBalancerReady, Optional<EtcdCluster> externalEtcd,
                        LocalDate today, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.config = config;
        hosts.forEach(h -> this.hosts.put(h.node(), h));
        this.identity = identity;
        Optional<Host> initHost = config.initNode().map(this.hosts::get);
        Host acting = actingFor(null);
        Command initialised;
        if (initHost.isPresent()) {
            Host first = initHost.get();
            Command firstPrepared = prepare(config, first, this);
            List<Resource> initAfter = new ArrayList<>(loadBalancerReady);
            initAfter.add(loadBalancerAccess(config, first, secrets, firstPrepared, this));
            externalEtcd.ifPresent(etcd -> {
                initAfter.addAll(etcd.members());
                initAfter.add(etcdClient(first, etcd, firstPrepared, identity, this));
            });
            this.init = RemoteScript.run(first, RemoteScript.Spec
                    .of("init", Output.tuple(secrets.bootstrapToken(), secrets.certificateKey()).applyValue(t ->
                            NodeScripts.init(config, first.node(), t.t1, t.t2)).asSecret())
                    .after(initAfter)
                    .rebuildWhen(List.of(identity))
                    .protect(config.holdsTheCluster(first.node()))
                    .onDelete(NodeScripts.reset(config, first.node()))
                    .withSecrets(), this);
            initialised = init;
            // The CA hash and the kubeconfig come from a read-only step whose script never changes, so it is never
            // updated and its output stays known in a preview (an updated init's stdout is unknown there:
            // pulumi/pulumi-go-provider v1.3.0:infer/resource.go, markComputed). Only rebuilt with the cluster.
            this.admin = RemoteScript.run(first, RemoteScript.Spec
                    .of("kubeconfig", Output.of(NodeScripts.kubeconfig()))
                    .after(List.of(init))
                    .rebuildWhen(List.of(identity))
                    .readOnly()
                    .withSecrets(), this);
        } else {
            // The node that ran init has left: no node runs kubeadm init again. Its kubeconfig step stays, under
            // its name, as the record of what it read (the CA hash, kubeha's own admin credential, valid as long as
            // the CA), registered on the acting member and never run again.
            this.init = null;
            this.admin = RemoteScript.run(config.initNodeName() + "-kubeconfig", acting, RemoteScript.Spec
                    .of("kubeconfig", Output.of(NodeScripts.kubeconfig()))
                    .rebuildWhen(List.of(identity))
                    .keptAfterItsNodeLeft()
                    .withSecrets(), this);
            initialised = admin;
        }
        this.caCertHash = admin.stdout().applyValue(NodeScripts::parseCaCertHash).asSecret();
        this.kubeconfig = admin.stdout().applyValue(NodeScripts::parseKubeconfig)
                .applyValue(k -> Kubeconfigs.withServer(k, "https://" + config.apiEndpoint(), config.kubernetesApiProxy()))
                .asSecret();
        // Before any control-plane node joins or leaves, when the list changes: etcd's members, read from etcd.
        // (Stacked etcd only: with etcdNodes the control-plane nodes hold no member; there kubeadm's configuration names
        // the etcd nodes' current addresses before any node joins with it.)
        Optional<Command> etcdEndpoints = externalEtcd.map(etcd ->
                EtcdEndpoints.kubeadmConfig(config, acting, etcd, admin, identity, this));
        Resource previous = etcdEndpoints.isPresent() ? etcdEndpoints.get() : RemoteScript.run("control-plane-members",
                acting, RemoteScript.Spec
                .of("control-plane-members", Output.of(EtcdScripts.membership(config)))
                .after(List.of(admin))
                .rebuildWhen(List.of(identity)), this);
        // One at a time: the joins and the upgrades are chains already.
        SessionLanes serial = SessionLanes.unbounded();
        // Each node's step after which it is a member: its snapshot timer waits for it.
        Map<Host, Command> members = new LinkedHashMap<>();
        Map<Host, Command> registered = new LinkedHashMap<>();
        initHost.ifPresent(first -> {
            members.put(first, admin);
            registered.put(first, NodeJoin.departure(config, actingFor(first.node()), first, init, identity, serial, this));
        });
        for (Host host : hosts) {
            if (initHost.isPresent() && host.equals(initHost.get())) {
                continue;
            }
            Command prepared = prepare(config, host, this);
            Command access = loadBalancerAccess(config, host, secrets, prepared, this);
            NodeJoin.Joined joined = NodeJoin.create(config, actingFor(host.node()), host, List.of(previous, access),
                    identity,
                    token -> Output.tuple(token, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.refreshCredentials(config, host.node(), t.t1, t.t2)),
                    token -> Output.tuple(token, caCertHash, secrets.certificateKey()).applyValue(t ->
                            NodeScripts.joinControlPlane(config, host.node(), t.t1, t.t2, t.t3)), serial, this);
            joins.add(joined.join());
            previous = joined.join();
            members.put(host, joined.join());
            registered.put(host, joined.registered());
        }
        // Upgrades one node at a time, from the acting member (kubeadm upgrade apply) on.
        Resource previousUpgrade = initialised;
        List<Host> upgradeOrder = new ArrayList<>(List.of(acting));
        hosts.stream().filter(h -> !h.equals(acting)).forEach(upgradeOrder::add);
        for (Host host : upgradeOrder) {
            List<Resource> after = new ArrayList<>(host.equals(initHost.orElse(null))
                    ? List.of(admin) : List.of(registered.get(host), previousUpgrade));
            // Stacked: each node snapshots its own member, and its upgrade waits for that. External: the etcd nodes
            // snapshot theirs and are upgraded first.
            after.add(externalEtcd.<Resource>map(EtcdCluster::upgraded)
                    .orElseGet(() -> EtcdBackups.schedule(config, host, List.of(members.get(host)), identity, this)));
            // kubeadm upgrade writes the manifests from kubeadm-config and uploads the configuration it read again
            // (kubernetes/kubernetes cmd/kubeadm/app/phases/upgrade/postupgrade.go, PerformPostUpgradeTasks): after
            // etcd-endpoints, never at the same time, which could bring the old endpoints back.
            etcdEndpoints.ifPresent(after::add);
            previousUpgrade = NodeUpgrade.create(config, actingFor(host.node()), host, host.equals(acting), after,
                    identity, serial, this);
        }
        this.upgraded = previousUpgrade;
        this.certificatesChecked = certificateChecks(config, hosts, today, previousUpgrade, externalEtcd);
        // With external etcd, last of the steps that restart API servers: each moves to the etcd nodes' addresses.
        Optional<Resource> apiServersMoved = etcdEndpoints.map(endpoints -> EtcdEndpoints.apiServers(config, hosts,
                registered, List.of(endpoints, certificatesChecked), identity, this));
        // Control-plane nodes take workloads exactly when the stack has no workers (kubeadm's NoSchedule taint).
        this.scheduling = RemoteScript.run(acting, RemoteScript.Spec
                .of("scheduling", Output.of(NodeScripts.scheduling(config)))
                .after(members()), this);
        // A restore moves the static pod manifests that the daily certificate check (and, with external etcd, the move
        // to new etcd endpoints) changes too: it waits for them.
        List<Resource> beforeRestore = new ArrayList<>(members());
        beforeRestore.add(certificatesChecked);
        apiServersMoved.ifPresent(beforeRestore::add);
        externalEtcd.ifPresent(etcd -> beforeRestore.add(etcd.certificatesChecked()));
        externalEtcd.ifPresentOrElse(etcd -> EtcdBackups.restore(config, hosts, etcd, beforeRestore, this),
                () -> EtcdBackups.restore(config, hosts, beforeRestore, this));
        registerOutputs(Map.of("caCertHash", caCertHash, "kubeconfig", kubeconfig));
    }

    /**
     * {@code <node>-certificates} on every control-plane node, one node at a time after the upgrades (an upgrade
     * renews them too): renews the node's kubeadm certificates when the first expires within
     * {@code certificateRenewalDays} and restarts its control-plane pods, the API answering on the other nodes.
     * <p>
     * A command runs only when an input changes: pulumi-command's create runs once, update only on a diff
     * (pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go, Create and Update; the engine
     * calls Update only when Diff reports a change: pulumi/pulumi-go-provider v1.3.0 infer/resource.go). So the
     * check carries the UTC day in its
     * script: the first {@code pulumi up} (and preview, which shows it as an update) of each day runs it, a re-run
     * the same day runs nothing. The alternative, a due date computed from the expiry the last check printed, needs
     * the program to read that output before it builds the step that prints it (a cycle), and would still need a
     * clock to notice the date has come. The daily check is honest about what it does, and costs one short SSH
     * command per control-plane node per day; {@code certificateRenewalDays: 0} turns it off.
     * The kubeconfig kubeha exports does not depend on these certificates (see kubeconfig.sh): a renewal changes
     * nothing the Kubernetes provider sees.
     * <p>
     * With external etcd, each node's check is followed by {@code <node>-etcd-client-certificate}, which renews the
     * API server's client certificate for etcd from the etcd CA in the state (a secret step): kubeadm's renewal here
     * leaves it out.
     *
     * @return the last check, or {@code after} when the checks are off
     */
    private Resource certificateChecks(ClusterConfig config, List<Host> hosts, LocalDate today, Resource after,
                                       Optional<EtcdCluster> externalEtcd) {
        if (config.certificateRenewalDays() == 0) {
            return after;
        }
        Resource previous = after;
        for (Host host : hosts) {
            previous = RemoteScript.run(host, RemoteScript.Spec
                    .of("certificates", Output.of(NodeScripts.certificates(config, host.node(), today)))
                    .after(List.of(previous)), this);
            if (externalEtcd.isPresent()) {
                previous = RemoteScript.run(host, RemoteScript.Spec
                        .of("etcd-client-certificate", externalEtcd.get().credentials().applyValue(c ->
                                EtcdNodeScripts.clientCertificate(config, host.node(), c, today)).asSecret())
                        .after(List.of(previous))
                        .withSecrets(), this);
            }
        }
        return previous;
    }

    /**
     * {@code <node>-etcd-client} on the first control-plane node with external etcd: the etcd CA's certificate and
     * the API server's client certificate where init's etcd.external names them (a secret step), after its
     * preparation. kubeadm init uploads them for the other control-plane nodes' joins.
     */
    private static Command etcdClient(Host first, EtcdCluster etcd, Resource prepared, Output<String> identity,
                                      Resource parent) {
        return RemoteScript.run(first, RemoteScript.Spec
                .of("etcd-client", etcd.credentials().applyValue(c -> EtcdNodeScripts.client(first.node(), c)).asSecret())
                .after(List.of(prepared))
                .rebuildWhen(List.of(identity))
                .withSecrets(), parent);
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

    /**
     * The control-plane node that acts for {@code subject} (null: for the cluster): its credentials, drains, cordons
     * and removal run there. Decided by {@link ClusterConfig#actingMember}.
     */
    public Host actingFor(Node subject) {
        return hosts.get(config.actingMember(subject));
    }

    /** The kubeadm init step; once the node that ran it has left, the record of its kubeconfig. */
    public Command init() {
        return init == null ? admin : init;
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

    /** The last control-plane node's certificate check (the upgrades' end when the checks are off). */
    public Resource certificatesChecked() {
        return certificatesChecked;
    }

    /** Whether the control plane takes workloads is settled: after every control-plane join. */
    public Resource scheduling() {
        return scheduling;
    }

    /** Every node's init or join, in order. */
    public List<Resource> members() {
        List<Resource> all = new ArrayList<>();
        if (init != null) {
            all.add(init);
        }
        all.addAll(joins);
        return all;
    }
}
