package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The load balancers (two or more; the name stays, as it is part of every existing stack's URNs) running HAProxy
 * (TCP, round robin over every API server, /readyz checks) and Keepalived (the VIP, unicast VRRP between all of
 * them, the first one holding it at start). Per host: {@code <lb>-install} (packages, services; delete removes
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
    /** The LB that holds the VIP first (the highest VRRP priority). */
    @Export(name = "initialMaster", refs = {String.class}, tree = "[0]")
    public final Output<String> initialMaster;

    private final List<Command> configured = new ArrayList<>();

    public LoadBalancerPair(String name, ClusterConfig config, List<Host> hosts, ClusterSecrets secrets,
                            ComponentResourceOptions options) {
        super(TYPE, name, options);
        for (Host self : hosts) {
            Command install = RemoteScript.run(self, RemoteScript.Spec
                    .of("install", Output.of(LoadBalancerScripts.install(config, self.node())))
                    .onDelete(LoadBalancerScripts.remove(config, self.node())), this);
            Output<String> configure = Output.tuple(secrets.statsPassword(), secrets.vrrpPassword()).applyValue(t ->
                    LoadBalancerScripts.configure(config, self.node(), t.t1, t.t2));
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
