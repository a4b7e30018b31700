package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.ArrayList;
import java.util.List;

/**
 * The steps that move one node to the configured Kubernetes version, in kubeadm's order: {@code <node>-cordon} on
 * the node's acting member (drains it, unless it runs the version), {@code <node>-upgrade} on the node
 * ({@code kubeadm upgrade apply} on the cluster-wide acting member, {@code kubeadm upgrade node} on the others, then
 * kubelet and kubectl), {@code <node>-uncordon} on the acting member ({@link ClusterConfig#actingMember}). Control-plane nodes go one at a time,
 * then the workers in batches ({@link WorkerPool}). The three steps run only when their script changes, i.e. when
 * {@code kubernetesVersion} changes ({@link RemoteScript.Spec#onlyOnChange}): a node created or rebuilt is installed
 * with the version, so nothing runs and no SSH session is opened for them then.
 */
final class NodeUpgrade {
    private NodeUpgrade() {
    }

    /**
     * @param acting      {@code host}'s acting member, where its cordon and uncordon run
     * @param applies     whether {@code host} runs {@code kubeadm upgrade apply} (the first of the upgrades)
     * @param after       the node is in the cluster, and the previous node's (or batch's) upgrade is done
     * @param cluster     the cluster's identity ({@link ClusterIdentity})
     * @param lanes       bounds the cordon and uncordon sessions on {@code acting}
     * @return the last step, which the next node's upgrade waits for
     */
    static Command create(ClusterConfig config, Host acting, Host host, boolean applies, List<Resource> after,
                          Output<String> cluster, SessionLanes lanes, Resource parent) {
        List<Output<String>> membership = List.of(host.machine(), cluster);
        Command cordoned = lanes.add("cordon", lane -> RemoteScript.run(host.name() + "-cordon", acting, RemoteScript.Spec
                .of("cordon", Output.of(NodeScripts.cordon(config, host.node())))
                .after(concat(after, lane))
                .rebuildWhen(membership)
                .onlyOnChange(), parent));
        Command upgraded = RemoteScript.run(host, RemoteScript.Spec
                .of("upgrade", Output.of(NodeScripts.upgrade(config, host.node(), applies)))
                .after(List.of(cordoned))
                .rebuildWhen(List.of(cluster))
                .onlyOnChange(), parent);
        return lanes.add("uncordon", lane -> RemoteScript.run(host.name() + "-uncordon", acting, RemoteScript.Spec
                .of("uncordon", Output.of(NodeScripts.uncordon(config, host.node())))
                .after(concat(List.of(upgraded), lane))
                .rebuildWhen(membership)
                .onlyOnChange(), parent));
    }

    private static List<Resource> concat(List<Resource> a, List<Resource> b) {
        List<Resource> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
