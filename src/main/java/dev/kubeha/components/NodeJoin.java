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
 * {@code <node>-join-token} (its own bootstrap token); {@code <node>-credentials} on the node's acting member
 * ({@link ClusterConfig#actingMember}: creates that token and re-uploads the certificates for a control-plane join; a
 * worker's opens no session, its token is made with others' in one session, {@link WorkerTokens}; delete makes sure
 * the Node object and etcd member are gone);
 * {@code <node>-join} on the node (done once the node registered its Node, which the join asks with the node's own
 * kubelet credentials; delete: kubeadm reset); {@code <node>-drain} on the acting member ({@link #departure}). Pulumi deletes in reverse: drain
 * (and, for a control-plane node, its etcd member removed from the acting member), reset on the node, the Node object
 * deleted again. The acting member's steps are updated in place when the acting member changes (their connection),
 * before anything of a node that left is deleted, so their deletes run on a live member.
 * All of them belong to the node's machine and to the cluster ({@link ClusterIdentity}): a new machine, or a
 * cluster built afresh, tears the node's membership down (in reverse) and joins it again with fresh credentials.
 * The trigger is the identity, never the CA hash: that comes from a step's output, unknown in a preview whenever
 * the step is updated, and an unknown trigger previews as a replacement.
 */
final class NodeJoin {
    private NodeJoin() {
    }

    /**
     * A control-plane node's: its token, {@code <node>-credentials} running {@code credentials} (the token, the
     * certificates re-uploaded), then its join.
     *
     * @param credentials the credentials script for a join token
     * @param join        the join script for a join token
     * @param cluster     the cluster's identity
     * @param acting      the node's acting member, where its credentials and drain run
     * @param lanes       bounds the credentials and registration sessions on {@code acting}
     * @return the join, and the step after which the node is registered
     */
    static Joined create(ClusterConfig config, Host acting, Host host, List<Resource> after, Output<String> cluster,
                          Function<Output<String>, Output<String>> credentials,
                          Function<Output<String>, Output<String>> join, SessionLanes lanes, Resource parent) {
        Output<String> token = token(host, parent);
        Command refreshed = lanes.add("credentials", lane -> RemoteScript.run(host.name() + "-credentials", acting,
                RemoteScript.Spec.of("credentials", credentials.apply(token).asSecret())
                        .after(after)
                        .after(lane)
                        .rebuildWhen(List.of(host.machine(), cluster))
                        .onDelete(NodeScripts.deleteNode(config, host.node()))
                        .withSecrets(), parent));
        return join(config, acting, host, List.of(refreshed), cluster, join.apply(token), lanes, parent);
    }

    /**
     * A worker's token and {@code <node>-credentials}, the record of its membership on its acting member: it opens
     * no session when it is created, updated or moved to another acting member ({@link RemoteScript.Spec#deleteOnly});
     * its id, new whenever it is rebuilt (a new machine, the cluster built afresh, {@code pulumi up --replace}), runs
     * the worker's token batch again ({@link WorkerTokens}), and its delete, after the worker's own teardown, makes
     * sure its Node object is gone. In the credentials lanes, so that many of those deletes do not run at once.
     */
    static Member member(ClusterConfig config, Host acting, Host host, List<Resource> after, Output<String> cluster,
                         SessionLanes lanes, Resource parent) {
        Output<String> token = token(host, parent);
        Command record = lanes.add("credentials", lane -> RemoteScript.run(host.name() + "-credentials", acting,
                RemoteScript.Spec.deleteOnly("credentials", NodeScripts.deleteNode(config, host.node()))
                        .after(after)
                        .after(lane)
                        .rebuildWhen(List.of(host.machine(), cluster)), parent));
        return new Member(host, token, record);
    }

    /**
     * {@code <node>-join} on the node, after {@code after} (its credentials: its token exists), then its departure
     * step ({@link #departure}).
     */
    static Joined join(ClusterConfig config, Host acting, Host host, List<Resource> after, Output<String> cluster,
                       Output<String> join, SessionLanes lanes, Resource parent) {
        Command joined = RemoteScript.run(host, RemoteScript.Spec
                .of("join", join.asSecret())
                .after(after)
                .rebuildWhen(List.of(cluster))
                .onDelete(NodeScripts.reset(config, host.node()))
                .withSecrets(), parent);
        Command registered = departure(config, acting, host, joined, cluster, lanes, parent);
        return new Joined(joined, registered);
    }

    /** {@code <node>-join-token}: the join's own bootstrap token. */
    private static Output<String> token(Host host, Resource parent) {
        return ClusterSecrets.bootstrapToken(host.name() + "-join-token",
                CustomResourceOptions.builder().parent(parent).build());
    }

    /**
     * {@code <node>-drain} on the node's acting member: no session when created (the join waited for the
     * registration already, {@link RemoteScript.Spec#onlyOnChange()}); its delete, which runs before the node's own
     * teardown and whether or not the step had a create command (pulumi/pulumi-command v1.2.1
     * provider/pkg/provider/remote/commandController.go, Delete runs {@code delete} when set), takes the node out of
     * the cluster from the acting member: drain, etcd member, Node object ({@link NodeScripts#drain}). So a node that
     * does not answer any more still leaves the cluster whole; only its own teardown fails (the provider dials before
     * it runs a delete: remote/connection.go).
     *
     * @param member the node's init or join
     */
    static Command departure(ClusterConfig config, Host acting, Host host, Command member, Output<String> cluster,
                             SessionLanes lanes, Resource parent) {
        List<Output<String>> membership = List.of(host.machine(), cluster);
        return lanes.add("drain", lane -> RemoteScript.run(host.name() + "-drain", acting, RemoteScript.Spec
                .of("drain", Output.of(NodeScripts.awaitNode(config, host.node())))
                .after(List.of(member))
                .after(lane)
                .rebuildWhen(membership)
                .onlyOnChange()
                .onDelete(NodeScripts.drain(config, host.node())), parent));
    }

    /** A worker before its join: its token and its membership record. */
    record Member(Host host, Output<String> token, Command credentials) {
    }

    /** A node's join, and the step after which its Node object exists. */
    record Joined(Command join, Command registered) {
    }
}
