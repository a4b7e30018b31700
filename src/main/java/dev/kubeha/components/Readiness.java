package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.NodeScript;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The last step of {@code pulumi up}: every node Ready, CoreDNS available, the pod network carrying traffic
 * between the nodes (a probe pod on each node reaches the others' and resolves a Service name through CoreDNS),
 * and the API answering /healthz through the VIP and through each load balancer. Fails with the node (or the pair
 * of nodes) and the check that did not pass, so a broken cluster is never reported as a success.
 */
public final class Readiness {
    static final int TIMEOUT_SECONDS = 900;
    /**
     * How many other nodes each node's network probe reaches (the next ones in node order, wrapping round): every
     * pair up to 21 nodes; beyond, every node is still a source and a target of PEERS checks, so a node whose
     * overlay is dead is found, while the checks grow linearly with the cluster.
     */
    static final int PROBE_PEERS = 20;

    private Readiness() {
    }

    /** The readiness script's text for this cluster (pure). */
    public static String script(ClusterConfig config) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("EXPECTED_NODES", config.kubernetesNodes().stream().map(Node::name).collect(Collectors.joining(" ")));
        params.put("API_ENDPOINTS", Stream.concat(Stream.of(config.vip()), config.loadBalancers().stream().map(Node::address))
                .map(a -> a + ":" + config.apiPort()).collect(Collectors.joining(" ")));
        params.put("TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS));
        params.put("PROBE_IMAGE", config.readinessProbeImage());
        params.put("PROBE_PEERS", Integer.toString(PROBE_PEERS));
        return NodeScript.render("cluster/readiness.sh", params);
    }

    /**
     * @param machines every machine of the cluster: when one is rebuilt, the gate runs again
     * @param identity the cluster's identity: when the cluster is rebuilt, the gate runs again
     */
    public static Command gate(ClusterConfig config, Host first, List<Host> machines, Output<String> identity,
                               List<Resource> after, Resource parent) {
        return RemoteScript.run("cluster-readiness", first, RemoteScript.Spec.of("readiness", Output.of(script(config)))
                .after(after)
                .rebuildWhen(machines.stream().map(Host::machine).toList())
                .rebuildWhen(List.of(identity)), parent);
    }
}
