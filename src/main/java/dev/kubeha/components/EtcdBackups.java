package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.etcd.EtcdScripts;

import java.util.ArrayList;
import java.util.List;

/**
 * etcd backups and disaster recovery on the control plane. {@code <node>-etcd-backup} on every control-plane node,
 * once it is a member: the snapshot command and its systemd timer (the upgrade and the removal of a control-plane
 * node call the same command first). With etcdRestoreFrom set, {@code <node>-etcd-restore} restores every member
 * from that snapshot, one node after the other from the first, then {@code etcd-restored} on the acting member waits
 * for the whole cluster and the API.
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

    /** The restore steps when etcdRestoreFrom is set (none otherwise), after every member joined. */
    static List<Command> restore(ClusterConfig config, List<Host> hosts, Host acting, List<Resource> members,
                                 Resource parent) {
        if (config.etcdBackups().restoreFrom().isEmpty()) {
            return List.of();
        }
        List<Command> steps = new ArrayList<>();
        List<Resource> after = new ArrayList<>(members);
        for (Host host : hosts) {
            Command restored = RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-restore", Output.of(EtcdScripts.restore(config, host.node())))
                    .after(after), parent);
            steps.add(restored);
            after = List.of(restored);
        }
        steps.add(RemoteScript.run("etcd-restored", acting, RemoteScript.Spec
                .of("etcd-restored", Output.of(EtcdScripts.restored(config)))
                .after(after), parent));
        return steps;
    }
}
