package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two load balancers running HAProxy (TCP, round robin over every API server, /healthz checks) and Keepalived
 * (the VIP, unicast VRRP between the two). Per host: {@code <lb>-install} (packages, services; delete removes
 * them) and {@code <lb>-configure} (renders, validates with the real tools, reloads only on change). A changed
 * backend list changes only the configure scripts' stdin: Pulumi updates them in place.
 */
public final class LoadBalancerPair extends ComponentResource {
    public static final String TYPE = "kubeha:index:LoadBalancerPair";

    /** "VIP:port", what kubeadm's controlPlaneEndpoint and every client use. */
    @Export(name = "endpoint", refs = {String.class}, tree = "[0]")
    public final Output<String> endpoint;
    /** The stats page through the VIP (served by whichever LB holds it). */
    @Export(name = "statsUrl", refs = {String.class}, tree = "[0]")
    public final Output<String> statsUrl;
    /** The LB that holds the VIP first (the higher VRRP priority). */
    @Export(name = "initialMaster", refs = {String.class}, tree = "[0]")
    public final Output<String> initialMaster;

    private final List<Command> configured = new ArrayList<>();

    public LoadBalancerPair(String name, ClusterConfig config, List<Host> hosts, ClusterSecrets secrets,
                            ComponentResourceOptions options) {
        super(TYPE, name, options);
        for (int i = 0; i < hosts.size(); i++) {
            Host self = hosts.get(i);
            Node peer = hosts.get(1 - i).node();
            Command install = RemoteScript.run(self, RemoteScript.Spec
                    .of("install", Output.of(LoadBalancerScripts.install(config, self.node(), peer)))
                    .onDelete(LoadBalancerScripts.remove(config, self.node())), this);
            Output<String> configure = Output.tuple(secrets.statsPassword(), secrets.vrrpPassword()).applyValue(t ->
                    LoadBalancerScripts.configure(config, self.node(), peer, t.t1, t.t2));
            configured.add(RemoteScript.run(self, RemoteScript.Spec.of("configure", configure.asSecret())
                    .after(List.of(install)).withSecrets(), this));
        }
        this.endpoint = Output.of(config.apiEndpoint());
        this.statsUrl = Output.of("http://" + config.vip() + ":" + config.haproxy().statsPort() + "/stats");
        this.initialMaster = Output.of(config.loadBalancers().get(0).name());
        registerOutputs(Map.of("endpoint", endpoint, "statsUrl", statsUrl, "initialMaster", initialMaster));
    }

    /** What must have finished before anything uses the VIP. */
    public List<Resource> ready() {
        return List.copyOf(configured);
    }
}
