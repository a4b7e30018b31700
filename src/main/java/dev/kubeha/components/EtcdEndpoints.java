package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.etcd.EtcdEndpointScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * With external etcd, the API servers follow the etcd nodes: {@code etcd-endpoints} on the cluster's acting member
 * sets the endpoints of kubeadm's cluster configuration (which later joins and upgrades read), once every etcd member
 * of etcdNodes is healthy; then {@code <node>-etcd-servers} moves each control-plane node's API server to them, one
 * node at a time, drained from the load balancers around its restart. Both run when created (on a new cluster they
 * find the endpoints in place and change nothing; on a stack older than them they repair API servers left on old
 * addresses) and whenever the etcd nodes' addresses change (their scripts change). An etcd node that leaves is removed
 * by the delete of its {@code -etcd-member} step, which the engine runs at the end of the {@code pulumi up}
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, GenerateDeletes), after every API server has moved.
 */
final class EtcdEndpoints {
    private EtcdEndpoints() {
    }

    /** {@code etcd-endpoints} on the cluster's acting member, after every etcd member and the cluster's first node. */
    static Command kubeadmConfig(ClusterConfig config, Host acting, EtcdCluster etcd, Resource initialised,
                                 Output<String> identity, Resource parent) {
        List<Resource> after = new ArrayList<>(etcd.members());
        after.add(initialised);
        return RemoteScript.run("etcd-endpoints", acting, RemoteScript.Spec
                .of("etcd-endpoints", Output.of(EtcdEndpointScripts.kubeadmConfig(config, acting.node())))
                .after(after)
                .rebuildWhen(List.of(identity)), parent);
    }

    /**
     * {@code <node>-etcd-servers} on every control-plane node, one at a time, each after the node is in the cluster
     * ({@code registered}), the first after {@code after}.
     *
     * @return the last one
     */
    static Resource apiServers(ClusterConfig config, List<Host> hosts, Map<Host, ? extends Resource> registered,
                               List<Resource> after, Output<String> identity, Resource parent) {
        List<Resource> previous = after;
        for (Host host : hosts) {
            List<Resource> waits = new ArrayList<>(previous);
            waits.add(registered.get(host));
            previous = List.of(RemoteScript.run(host, RemoteScript.Spec
                    .of("etcd-servers", Output.of(EtcdEndpointScripts.apiServer(config, host.node())))
                    .after(waits)
                    .rebuildWhen(List.of(identity)), parent));
        }
        return previous.get(previous.size() - 1);
    }
}
