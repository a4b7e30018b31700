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
 * What the control-plane nodes receive for etcd backups and disaster recovery: the snapshot command and its systemd
 * timer, the restore of one member from a snapshot, and the wait for the restored cluster.
 */
public final class EtcdScripts {
    /** Where the snapshot command is installed; lib/os.sh (etcd_snapshot) and the service unit call it there. */
    public static final String SNAPSHOT_COMMAND = "/usr/local/sbin/kubeha-etcd-snapshot";
    static final int RESTORE_TIMEOUT_SECONDS = 600;

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

    /** On a control-plane node: restore its etcd member from etcdRestoreFrom (set) with the whole membership. */
    public static String restore(ClusterConfig config, Node node) {
        return NodeScript.render("etcd/restore.sh", Map.of(
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "SNAPSHOT_PATH", config.etcdBackups().restoreFrom().orElseThrow(),
                "INITIAL_CLUSTER", initialCluster(config)));
    }

    /** On the acting member, after every restore: the restored cluster is whole and the API is back. */
    public static String restored(ClusterConfig config) {
        Node first = config.actingMember(null);
        return NodeScript.render("etcd/restored.sh", Map.of(
                "NODE_NAME", first.name(),
                "NODE_ADDRESS", first.address(),
                "API_PORT", Integer.toString(config.apiPort()),
                "MEMBERS", Integer.toString(config.controlPlane().size()),
                "TIMEOUT_SECONDS", Integer.toString(RESTORE_TIMEOUT_SECONDS)));
    }

    /**
     * On the acting member, when controlPlaneNodes changes and before any control-plane node joins or leaves: refuses
     * a change that takes more than one etcd member away at once or leaves etcd without quorum (etcd/membership.sh).
     */
    public static String membership(ClusterConfig config) {
        return NodeScript.render("etcd/membership.sh", Map.of(
                "CONTROL_PLANE", config.controlPlane().stream().map(n -> n.name() + "=" + n.address())
                        .collect(Collectors.joining(" ")),
                "ETCD_POD", "etcd-" + config.actingMember(null).name()), List.of(NodeScripts.ETCD_MEMBERS_LIBRARY));
    }

    /**
     * Every control-plane node as kubeadm names its member and its peer URL: the node name and https://ADDRESS:2380
     * (kubernetes/kubernetes cmd/kubeadm/app/util/etcd/etcd.go GetPeerURL; cmd/kubeadm/app/phases/etcd/local.go).
     */
    static String initialCluster(ClusterConfig config) {
        return config.controlPlane().stream().map(n -> n.name() + "=https://" + n.address() + ":2380")
                .collect(Collectors.joining(","));
    }
}
