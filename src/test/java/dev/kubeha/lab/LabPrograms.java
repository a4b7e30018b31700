package dev.kubeha.lab;

import com.pulumi.Context;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.core.Output;
import dev.kubeha.components.ClusterSecrets;
import dev.kubeha.components.Host;
import dev.kubeha.components.RemoteScript;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.components.LoadBalancerPair;
import dev.kubeha.components.Machines;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.ProjectSchema;
import dev.kubeha.config.RawConfig;

/** Programs the scenarios run: the whole kubeha program is {@code Main::stack}; this is a part of it. */
final class LabPrograms {
    private LabPrograms() {
    }

    /** Node preparation of every Kubernetes node, the {@code <node>-prepare} step as ControlPlane.prepare makes it. */
    static void preparation(Context ctx) {
        ClusterConfig config = config(ctx);
        Machines machines = new Machines("machines", config, Machines.sshKey(config), ComponentResourceOptions.Empty);
        for (Host host : machines.hosts(config.kubernetesNodes())) {
            RemoteScript.run(host, RemoteScript.Spec.of("prepare", Output.of(NodeScripts.prepare(config, host.node()))), null);
        }
    }

    private static ClusterConfig config(Context ctx) {
        return ClusterConfigParser.parseOrThrow(RawConfig.fromLookup(ProjectSchema.get().keys().keySet(), key -> ctx.config().get(key)));
    }

    /** The load-balancer part of Cluster.create, as it is there: machines, secrets, the pair. */
    static void loadBalancers(Context ctx) {
        ClusterConfig config = config(ctx);
        Machines machines = new Machines("machines", config, Machines.sshKey(config), ComponentResourceOptions.Empty);
        new LoadBalancerPair("load-balancers", config, machines.hosts(config.loadBalancers()), ClusterSecrets.create(config),
                ComponentResourceOptions.Empty);
    }
}
