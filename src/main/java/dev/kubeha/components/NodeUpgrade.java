package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.List;

/**
 * The steps that move one node to the configured Kubernetes version, in kubeadm's order: {@code <node>-cordon} on
 * the first control-plane node (drains it, unless it runs the version), {@code <node>-upgrade} on the node
 * ({@code kubeadm upgrade apply} on the first control-plane node, {@code kubeadm upgrade node} on the others, then
 * kubelet and kubectl), {@code <node>-uncordon} on the first control-plane node. The nodes go one at a time, control
 * plane first. While the cluster is built every node runs the version, so the three do nothing; a changed
 * {@code kubernetesVersion} changes their scripts and Pulumi runs them again.
 */
final class NodeUpgrade {
    private NodeUpgrade() {
    }

    /**
     * @param initialised whether {@code host} is the node that ran kubeadm init
     * @param after       the node is in the cluster, and the previous node's upgrade is done
     * @param cluster     the cluster's identity ({@link ClusterIdentity})
     * @return the last step, which the next node's upgrade waits for
     */
    static Command create(ClusterConfig config, Host first, Host host, boolean initialised, List<Resource> after,
                          Output<String> cluster, Resource parent) {
        List<Output<String>> membership = List.of(host.machine(), cluster);
        Command cordoned = RemoteScript.run(host.name() + "-cordon", first, RemoteScript.Spec
                .of("cordon", Output.of(NodeScripts.cordon(config, host.node())))
                .after(after)
                .rebuildWhen(membership), parent);
        Command upgraded = RemoteScript.run(host, RemoteScript.Spec
                .of("upgrade", Output.of(NodeScripts.upgrade(config, host.node(), initialised)))
                .after(List.of(cordoned))
                .rebuildWhen(List.of(cluster)), parent);
        return RemoteScript.run(host.name() + "-uncordon", first, RemoteScript.Spec
                .of("uncordon", Output.of(NodeScripts.uncordon(config, host.node())))
                .after(List.of(upgraded))
                .rebuildWhen(membership), parent);
    }
}
