package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Workers, all joining through the VIP in parallel as soon as the first control-plane node is up (they do not
 * wait for the other control-plane joins). Per worker: {@code <w>-prepare}; {@code <w>-credentials} on the first
 * control-plane node (its own short-lived token; delete removes the Node object); {@code <w>-join} (delete runs
 * kubeadm reset); {@code <w>-drain} (delete drains it first). Pulumi deletes in reverse order: drain, reset,
 * delete the Node.
 */
public final class WorkerPool extends ComponentResource {
    public static final String TYPE = "kubeha:index:WorkerPool";

    private final List<Command> joins = new ArrayList<>();

    public WorkerPool(String name, ClusterConfig config, List<Host> hosts, ControlPlane controlPlane,
                      ComponentResourceOptions options) {
        super(TYPE, name, options);
        Host first = controlPlane.firstHost();
        for (Host host : hosts) {
            Command prepared = ControlPlane.prepare(config, host, this);
            Output<String> token = ClusterSecrets.bootstrapToken(host.name() + "-join-token",
                    CustomResourceOptions.builder().parent(this).build());
            Command credentials = RemoteScript.run(host.name() + "-credentials", first, RemoteScript.Spec
                    .of("credentials", token.applyValue(t -> NodeScripts.refreshCredentials(config, host.node(), t, null))
                            .asSecret())
                    .after(List.of(controlPlane.init(), prepared))
                    .onDelete(NodeScripts.deleteNode(config, host.node())), this);
            Command join = RemoteScript.run(host, RemoteScript.Spec
                    .of("join", Output.tuple(token, controlPlane.caCertHash).applyValue(t ->
                            NodeScripts.joinWorker(config, host.node(), t.t1, t.t2)).asSecret())
                    .after(List.of(credentials))
                    .onDelete(NodeScripts.reset(config, host.node())), this);
            RemoteScript.run(host.name() + "-drain", first, RemoteScript.Spec
                    .of("drain", Output.of(NodeScripts.awaitNode(config, host.node())))
                    .after(List.of(join))
                    .onDelete(NodeScripts.drain(config, host.node())), this);
            joins.add(join);
        }
        registerOutputs(Map.of("workers", Output.of(hosts.stream().map(Host::name).toList())));
    }

    public List<Resource> members() {
        return List.copyOf(joins);
    }
}
