package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.etcd.EtcdScripts;

import java.util.ArrayList;
import java.util.List;

/**
 * etcd backups and disaster recovery. {@code <node>-etcd-backup} on every node that holds an etcd member (the
 * control-plane nodes, or the etcd nodes), once it is a member: the snapshot command and its systemd timer (the
 * upgrade and the removal of a member's node call the same command first). With etcdRestoreFrom set,
 * {@code <node>-etcd-restore} restores every member from that snapshot, one node after the other from the first, then
 * {@code etcd-restored} waits for the whole cluster (and, stacked, the API); with external etcd the control-plane
 * nodes' API servers are stopped before and started after.
 */
final class EtcdBackups {
    private EtcdBackups() {
    }

    /** The snapshot timer of {@code host}, after it became a member; rebuilt with the cluster. */
    static Command schedule(ClusterConfig config, Host host, List<Resource> member, Output<String> cluster, Resource parent) {
        return RemoteScript.run(host, RemoteScript.Spec
                .of("etcd-backup", Output.of(EtcdScripts.backup(config, host.node())))
                .after(member)
                .rebuildWhen(List.of(cluster)), parent);
    }

    /**
     * With stacked etcd, the restore steps when etcdRestoreFrom is set (none otherwise), after {@code after} (every
     * member joined, and the certificate checks, which move the same manifests):
     * each control-plane node's {@code <node>-etcd-restore} (which stops and starts its whole control plane), then
     * {@code etcd-restored}.
     */
    static List<Command> restore(ClusterConfig config, List<Host> hosts, List<Resource> members, Resource parent) {
        if (config.etcdBackups().restoreFrom().isEmpty()) {
            return List.of();
        }
        return restoreMembers(config, hosts, members, parent);
    }

    /**
     * With external etcd, the restore steps when etcdRestoreFrom is set (none otherwise), in the order of Kubernetes'
     * "Restoring an etcd cluster" (kubernetes/website content/en/docs/tasks/administer-cluster/configure-upgrade-etcd.md):
     * every control-plane node's {@code <node>-restore-api-stop} after every join (its delete, when etcdRestoreFrom
     * is removed, puts back the manifests a failed restore left held), then each etcd node's
     * {@code <node>-etcd-restore} and {@code etcd-restored} on the first etcd node (in the etcd component), then every
     * control-plane node's {@code <node>-restore-api-start}, which waits for its API server.
     */
    static List<Command> restore(ClusterConfig config, List<Host> controlPlane, EtcdCluster etcd,
                                 List<Resource> members, Resource parent) {
        if (config.etcdBackups().restoreFrom().isEmpty()) {
            return List.of();
        }
        List<Command> steps = new ArrayList<>();
        for (Host host : controlPlane) {
            steps.add(RemoteScript.run(host, RemoteScript.Spec
                    .of("restore-api-stop", Output.of(EtcdScripts.restoreApiServer(config, host.node(), "stop")))
                    .onDelete(EtcdScripts.restoreApiServer(config, host.node(), "release"))
                    .after(members), parent));
        }
        List<Resource> stopped = new ArrayList<>(steps);
        stopped.addAll(etcd.members());
        List<Command> restored = restoreMembers(config, etcd.hosts(), stopped, etcd);
        steps.addAll(restored);
        Command whole = restored.get(restored.size() - 1);
        for (Host host : controlPlane) {
            steps.add(RemoteScript.run(host, RemoteScript.Spec
                    .of("restore-api-start", Output.of(EtcdScripts.restoreApiServer(config, host.node(), "start")))
                    .after(List.of(whole)), parent));
        }
        return steps;
    }

    /**
     * {@code <node>-etcd-restore} on every host that holds a member, one after the other, then {@code etcd-restored}
     * where {@link EtcdScripts#restoredOn} says.
     */
    private static List<Command> restoreMembers(ClusterConfig config, List<Host> hosts, List<Resource> after,
                                                Resource parent) {
        List<Command> steps = new ArrayList<>();
        List<Resource> previous = after;
        for (Host host : hosts) {
            Command restored = RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-restore", Output.of(EtcdScripts.restore(config, host.node())))
                    .after(previous), parent);
            steps.add(restored);
            previous = List.of(restored);
        }
        Host on = hosts.stream().filter(h -> h.node().equals(EtcdScripts.restoredOn(config))).findFirst().orElseThrow();
        steps.add(RemoteScript.run("etcd-restored", on, RemoteScript.Spec
                .of("etcd-restored", Output.of(EtcdScripts.restored(config)))
                .after(previous), parent));
        return steps;
    }
}
