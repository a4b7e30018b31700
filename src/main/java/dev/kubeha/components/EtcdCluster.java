package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.etcd.EtcdNodeScripts;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The external etcd (etcdNodes), kubeadm's "Set up a High Availability etcd cluster with kubeadm": every etcd node is
 * prepared ({@code <node>-prepare}, as a Kubernetes node: containerd, kubelet, kubeadm); the first (or etcdCaNode)
 * makes the etcd CA and the API server's client certificate ({@code <node>-etcd-ca}, protected: it holds the etcd CA;
 * its stdout is a secret; once that node has left, the step stays as the CA's record); then every node starts its
 * member at once ({@code <node>-etcd-member}: a new cluster's members must start together; a node added or rebuilt
 * later joins the running cluster, and its delete removes the member first), each after {@code <ca node>-etcd-members},
 * which, when etcdNodes changes, refuses a change that removes more than one member or loses quorum, as the control
 * plane's {@code control-plane-members} does for stacked etcd, with
 * the snapshot timer of {@link EtcdBackups} ({@code <node>-etcd-backup}), and the upgrade to the etcd of a new
 * kubernetesVersion, one node at a time ({@code <node>-etcd-upgrade}, only on a change), before the control plane's,
 * then a daily check of its certificates ({@code <node>-etcd-certificates}), one node at a time.
 * The control plane waits for every member ({@link #members()}) and takes the client certificate from
 * {@link #credentials()}.
 */
public final class EtcdCluster extends ComponentResource {
    public static final String TYPE = "kubeha:index:EtcdCluster";

    private final Output<EtcdNodeScripts.Credentials> credentials;
    private final List<Resource> members = new ArrayList<>();
    private final Resource upgraded;
    private final Resource certificatesChecked;
    private final List<Host> hosts;

    /**
     * @param identity the cluster's identity ({@link ClusterIdentity}): every member is rebuilt with it
     * @param today    the UTC day of this run, the stamp of the daily certificate checks
     */
    public EtcdCluster(String name, ClusterConfig config, List<Host> hosts, Output<String> identity, LocalDate today,
                       ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.hosts = List.copyOf(hosts);
        List<Command> prepared = hosts.stream().map(h -> ControlPlane.prepare(config, h, this)).toList();
        Optional<Host> caHost = config.etcdCaHolder().flatMap(n -> hosts.stream().filter(h -> h.node().equals(n)).findFirst());
        Command ca = caHost.isPresent()
                ? RemoteScript.run(caHost.get(), RemoteScript.Spec
                        .of("etcd-ca", Output.of(EtcdNodeScripts.ca(config)))
                        .after(List.of(prepared.get(hosts.indexOf(caHost.get()))))
                        .rebuildWhen(List.of(identity))
                        .protect(!config.allowClusterDestroy())
                        .withSecrets(), this)
                // The node that made the etcd CA has left (etcdCaNode names it): its step stays, under its name, as
                // the record of the CA, registered on the first etcd node and never run again.
                : RemoteScript.run(config.etcdCaNodeName() + "-etcd-ca", hosts.get(0), RemoteScript.Spec
                        .of("etcd-ca", Output.of(EtcdNodeScripts.caRecord(config)))
                        .protect(!config.allowClusterDestroy())
                        .keptAsRecordOnly()
                        .withSecrets(), this);
        this.credentials = ca.stdout().applyValue(EtcdNodeScripts.Credentials::parse).asSecret();
        // Before any etcd node joins or leaves, when etcdNodes changes: etcd's members, read from etcd, on the first
        // etcd node of the list. Not when created: a new cluster's members start together, there is none to read.
        // Named after the node that made the etcd CA (the first, unless etcdCaNode names another), which is not
        // renamed when that node leaves, and never replaced: when the first node leaves, the check is an update run on
        // the new first node (its connection changed), not a new step, which would run nothing.
        Command membership = RemoteScript.run(config.etcdCaNodeName() + "-etcd-members", hosts.get(0), RemoteScript.Spec
                .of("etcd-members", Output.of(EtcdNodeScripts.membership(config)))
                .after(List.of(prepared.get(0)))
                .onlyOnChange()
                .neverReplaced(), this);
        Resource previousUpgrade = null;
        for (int i = 0; i < hosts.size(); i++) {
            Host host = hosts.get(i);
            Command member = RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-member", credentials.applyValue(c -> EtcdNodeScripts.member(config, host.node(), c)).asSecret())
                    .after(List.of(prepared.get(i), ca, membership))
                    .rebuildWhen(List.of(identity))
                    .onDelete(EtcdNodeScripts.memberRemove(config, host.node()))
                    .withSecrets(), this);
            members.add(member);
            Command backup = EtcdBackups.schedule(config, host, List.of(member), identity, this);
            List<Resource> upgradeAfter = new ArrayList<>(List.of(member, backup));
            if (previousUpgrade != null) {
                upgradeAfter.add(previousUpgrade);
            }
            previousUpgrade = RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-upgrade", Output.of(EtcdNodeScripts.upgrade(config, host.node())))
                    .after(upgradeAfter)
                    .rebuildWhen(List.of(identity))
                    .onlyOnChange(), this);
        }
        this.upgraded = previousUpgrade;
        this.certificatesChecked = certificateChecks(config, today, previousUpgrade);
        registerOutputs(Map.of("etcdNodes", Output.of(hosts.stream().map(Host::name).toList())));
    }

    /**
     * {@code <node>-etcd-certificates} on every etcd node, one node at a time after the upgrades, on the first
     * {@code pulumi up} of each UTC day (the day is in its script, as in {@code <node>-certificates}: see
     * ControlPlane): the node's etcd certificates renewed from the etcd CA (secret) when the first ends within
     * {@code certificateRenewalDays}, the member answering with them before the next node goes.
     *
     * @return the last check, or {@code after} when the checks are off
     */
    private Resource certificateChecks(ClusterConfig config, LocalDate today, Resource after) {
        if (config.certificateRenewalDays() == 0) {
            return after;
        }
        Resource previous = after;
        for (Host host : hosts) {
            previous = RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-certificates", credentials.applyValue(c ->
                            EtcdNodeScripts.certificates(config, host.node(), c, today)).asSecret())
                    .after(List.of(previous))
                    .withSecrets(), this);
        }
        return previous;
    }

    /** The etcd CA and the API server's client certificate (a secret). */
    public Output<EtcdNodeScripts.Credentials> credentials() {
        return credentials;
    }

    /** Every node's member step: done when that member is healthy. */
    public List<Resource> members() {
        return List.copyOf(members);
    }

    /** The etcd nodes, in etcdNodes order (the first runs the membership check). */
    public List<Host> hosts() {
        return hosts;
    }

    /** The last etcd node's daily certificate check (its upgrade when the checks are off): a restore waits for it. */
    public Resource certificatesChecked() {
        return certificatesChecked;
    }

    /** The last etcd node's upgrade: the control plane's upgrades wait for it. */
    public Resource upgraded() {
        return upgraded;
    }
}
