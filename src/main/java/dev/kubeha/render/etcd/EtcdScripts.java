package dev.kubeha.render.etcd;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.EtcdBackupSettings;
import dev.kubeha.config.Node;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.render.Templates;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the nodes that hold etcd members receive for etcd backups and disaster recovery (the control-plane nodes, or
 * the etcd nodes of etcdNodes): the snapshot command and its systemd timer, the restore of one member from a snapshot,
 * the wait for the restored cluster, and, with etcdNodes, the control-plane nodes' API servers stopped and started
 * around it; and the etcd membership check.
 */
public final class EtcdScripts {
    /** Where the snapshot command is installed; lib/os.sh (etcd_snapshot) and the service unit call it there. */
    public static final String SNAPSHOT_COMMAND = "/usr/local/sbin/kubeha-etcd-snapshot";
    static final int RESTORE_TIMEOUT_SECONDS = 600;
    /** Stops and starts a node's static pods around a restore. */
    static final String STATIC_PODS_LIBRARY = "etcd/static-pods.sh";
    /** The etcd membership check, for control-plane nodes (stacked etcd) and etcd nodes (external etcd). */
    public static final String MEMBERSHIP_CHECK = "etcd/membership.sh";

    private EtcdScripts() {
    }

    /** On a control-plane node: install the snapshot command and the timer that runs it on the schedule. */
    public static String backup(ClusterConfig config, Node node) {
        EtcdBackupSettings backups = config.etcdBackups();
        return NodeScript.render("etcd/backup.sh", Map.of(
                "NODE_NAME", node.name(),
                "SCHEDULE", backups.schedule(),
                "SNAPSHOT_COMMAND", snapshotCommand(config, node),
                "SERVICE_UNIT", serviceUnit(),
                "TIMER_UNIT", timerUnit(config)));
    }

    /** The snapshot command of a node: {@code kubeha-etcd-snapshot KIND}. */
    public static String snapshotCommand(ClusterConfig config, Node node) {
        EtcdBackupSettings backups = config.etcdBackups();
        return NodeScript.render("etcd/snapshot.sh", Map.of(
                "NODE_NAME", node.name(),
                "BACKUP_DIRECTORY", backups.directory(),
                "RETENTION", Integer.toString(backups.retention())));
    }

    public static String serviceUnit() {
        return Templates.load("etcd/kubeha-etcd-snapshot.service");
    }

    public static String timerUnit(ClusterConfig config) {
        return Templates.render("etcd/kubeha-etcd-snapshot.timer.tmpl", Map.of("schedule", config.etcdBackups().schedule()));
    }

    /*
     * Every restore step's script names the snapshot (SNAPSHOT_PATH): pulumi-command runs a step again only when its
     * inputs change (pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go, Update), so
     * another etcdRestoreFrom runs them all again together, the API servers stopped around the etcd restores.
     */

    /** On a node that holds an etcd member: restore it from etcdRestoreFrom (set) with the whole membership. */
    public static String restore(ClusterConfig config, Node node) {
        return NodeScript.render("etcd/restore.sh", Map.of(
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "SNAPSHOT_PATH", config.etcdBackups().restoreFrom().orElseThrow(),
                "INITIAL_CLUSTER", initialCluster(config)), List.of(STATIC_PODS_LIBRARY));
    }

    /**
     * After every member restored, on the node {@link #restoredOn} names: the restored cluster is whole and, with
     * stacked etcd, that node's API server is back.
     */
    public static String restored(ClusterConfig config) {
        Node on = restoredOn(config);
        return NodeScript.render("etcd/restored.sh", Map.of(
                "NODE_NAME", on.name(),
                "NODE_ADDRESS", on.address(),
                "SNAPSHOT_PATH", config.etcdBackups().restoreFrom().orElseThrow(),
                "API_PORT", config.externalEtcd() ? "" : Integer.toString(config.apiPort()),
                "MEMBERS", Integer.toString(config.etcdMembers().size()),
                "TIMEOUT_SECONDS", Integer.toString(RESTORE_TIMEOUT_SECONDS)));
    }

    /** Where etcd-restored waits: the acting control-plane node, or with etcdNodes the first etcd node. */
    public static Node restoredOn(ClusterConfig config) {
        return config.externalEtcd() ? config.etcdNodes().get(0) : config.actingMember(null);
    }

    /**
     * On a control-plane node whose etcd is external, around the etcd nodes' restore: {@code stop} its static pods
     * before, {@code start} them after, and wait for its API server; {@code release} them only, when the stop step is
     * deleted (etcd/restore-api-servers.sh).
     */
    public static String restoreApiServer(ClusterConfig config, Node node, String action) {
        return NodeScript.render("etcd/restore-api-servers.sh", Map.of(
                "ACTION", action,
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "SNAPSHOT_PATH", config.etcdBackups().restoreFrom().orElseThrow(),
                "API_PORT", Integer.toString(config.apiPort()),
                "TIMEOUT_SECONDS", Integer.toString(RESTORE_TIMEOUT_SECONDS)), List.of(STATIC_PODS_LIBRARY));
    }

    /**
     * On the acting member, when controlPlaneNodes changes and before any control-plane node joins or leaves: refuses
     * a change that takes more than one etcd member away at once or leaves etcd without quorum (etcd/membership.sh).
     */
    public static String membership(ClusterConfig config) {
        return NodeScript.render(MEMBERSHIP_CHECK, Map.of(
                "MEMBERS", nameAddress(config.controlPlane()),
                "FIELD", "kubeha:controlPlaneNodes",
                "RESTORING", EtcdScripts.restoring(config),
                "DEAD_MEMBER_ADVICE", "Remove the dead node first (a pulumi up whose controlPlaneNodes drops it and adds"
                        + " nothing; allowEvenControlPlane: true for the even count meanwhile), then add the new one",
                "ETCD_POD", "etcd-" + config.actingMember(null).name()), NodeScripts.ETCD_MEMBERS_THROUGH_API);
    }

    /**
     * The membership check's RESTORING: {@code yes} with etcdRestoreFrom set, when a lost quorum is what the run
     * repairs and no node may join or leave (etcd/membership.sh).
     */
    static String restoring(ClusterConfig config) {
        return config.etcdBackups().restoreFrom().isPresent() ? "yes" : "no";
    }

    /** NAME=ADDRESS of each node, space-separated: the MEMBERS of the membership check. */
    public static String nameAddress(List<Node> nodes) {
        return nodes.stream().map(n -> n.name() + "=" + n.address()).collect(Collectors.joining(" "));
    }

    /**
     * Every node that holds an etcd member as kubeadm names its member and its peer URL: the node name and
     * https://ADDRESS:2380 (kubernetes/kubernetes cmd/kubeadm/app/util/etcd/etcd.go GetPeerURL;
     * cmd/kubeadm/app/phases/etcd/local.go), for the control-plane nodes and the etcd nodes alike (member.sh).
     */
    static String initialCluster(ClusterConfig config) {
        return config.etcdMembers().stream().map(n -> n.name() + "=https://" + n.address() + ":2380")
                .collect(Collectors.joining(","));
    }
}
