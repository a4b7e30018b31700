package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.List;
import java.util.function.Function;

/**
 * The steps that bring one node into the cluster, the same for control-plane nodes and workers:
 * {@code <node>-join-token} (its own bootstrap token); {@code <node>-credentials} on the first control-plane node
 * (creates that token, re-uploads certificates for control-plane joins; delete removes the Node object);
 * {@code <node>-join} on the node (delete: kubeadm reset); {@code <node>-drain} on the first control-plane node
 * (waits until the node registered; delete drains it). Pulumi deletes in reverse: drain, reset, delete the Node.
 */
final class NodeJoin {
    private NodeJoin() {
    }

    /**
     * @param credentials the credentials script for a join token
     * @param join        the join script for a join token
     * @return the join step, which later steps wait for
     */
    static Command create(ClusterConfig config, Host first, Host host, List<Resource> after,
                          Function<Output<String>, Output<String>> credentials,
                          Function<Output<String>, Output<String>> join, Resource parent) {
        Output<String> token = ClusterSecrets.bootstrapToken(host.name() + "-join-token",
                CustomResourceOptions.builder().parent(parent).build());
        Command refreshed = RemoteScript.run(host.name() + "-credentials", first, RemoteScript.Spec
                .of("credentials", credentials.apply(token).asSecret())
                .after(after)
                .onDelete(NodeScripts.deleteNode(config, host.node())), parent);
        Command joined = RemoteScript.run(host, RemoteScript.Spec
                .of("join", join.apply(token).asSecret())
                .after(List.of(refreshed))
                .onDelete(NodeScripts.reset(config, host.node())), parent);
        RemoteScript.run(host.name() + "-drain", first, RemoteScript.Spec
                .of("drain", Output.of(NodeScripts.awaitNode(config, host.node())))
                .after(List.of(joined))
                .onDelete(NodeScripts.drain(config, host.node())), parent);
        return joined;
    }
}
