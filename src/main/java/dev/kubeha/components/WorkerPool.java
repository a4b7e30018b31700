package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Workers, all joining through the VIP in parallel as soon as the first control-plane node is up (they do not
 * wait for the other control-plane joins). Per worker: {@code <w>-prepare}, then the join steps of {@link NodeJoin},
 * and the upgrade steps of {@link NodeUpgrade}: one worker at a time, after the control plane.
 */
public final class WorkerPool extends ComponentResource {
    public static final String TYPE = "kubeha:index:WorkerPool";

    private final List<Command> joins = new ArrayList<>();
    private final Resource upgraded;

    public WorkerPool(String name, ClusterConfig config, List<Host> hosts, ControlPlane controlPlane,
                      ComponentResourceOptions options) {
        super(TYPE, name, options);
        Host first = controlPlane.firstHost();
        Resource previousUpgrade = controlPlane.upgraded();
        for (Host host : hosts) {
            Command prepared = ControlPlane.prepare(config, host, this);
            NodeJoin.Joined joined = NodeJoin.create(config, first, host, List.of(controlPlane.initialised(), prepared),
                    controlPlane.identity(),
                    token -> token.applyValue(t -> NodeScripts.refreshCredentials(config, host.node(), t, null)),
                    token -> Output.tuple(token, controlPlane.caCertHash).applyValue(t ->
                            NodeScripts.joinWorker(config, host.node(), t.t1, t.t2)), this);
            joins.add(joined.join());
            previousUpgrade = NodeUpgrade.create(config, first, host, false,
                    List.of(joined.registered(), previousUpgrade), controlPlane.identity(), this);
        }
        this.upgraded = previousUpgrade;
        registerOutputs(Map.of("workers", Output.of(hosts.stream().map(Host::name).toList())));
    }

    /** The last node's upgrade steps (one node at a time, control plane first, then the workers in order). */
    public Resource upgraded() {
        return upgraded;
    }

    public List<Resource> members() {
        return List.copyOf(joins);
    }
}
