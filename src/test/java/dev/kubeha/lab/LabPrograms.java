package dev.kubeha.lab;

import com.pulumi.Context;
import com.pulumi.resources.ComponentResourceOptions;
import dev.kubeha.components.ClusterSecrets;
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

    /** The load-balancer part of Cluster.create, as it is there: machines, secrets, the pair. */
    static void loadBalancers(Context ctx) {
        RawConfig raw = RawConfig.fromLookup(ProjectSchema.get().keys().keySet(), key -> ctx.config().get(key));
        ClusterConfig config = ClusterConfigParser.parseOrThrow(raw);
        Machines machines = new Machines("machines", config, ctx.stackName(), Machines.sshKey(config), ComponentResourceOptions.Empty);
        new LoadBalancerPair("load-balancers", config, machines.hosts(config.loadBalancers()), ClusterSecrets.create(config),
                ComponentResourceOptions.Empty);
    }
}
