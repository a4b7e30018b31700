package dev.kubeha;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.components.ClusterSecrets;
import dev.kubeha.components.ClusterIdentity;
import dev.kubeha.components.Cni;
import dev.kubeha.components.EtcdCluster;
import dev.kubeha.components.ControlPlane;
import dev.kubeha.components.Host;
import dev.kubeha.components.LoadBalancerPair;
import dev.kubeha.components.Machines;
import dev.kubeha.components.Readiness;
import dev.kubeha.components.WorkerPool;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.providers.random.RandomId;
import dev.kubeha.config.Provisioner;
import dev.kubeha.render.cni.CniCharts;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The order of everything, in one readable place: the cluster's identity (first; everything waits for it),
 * machines, secrets, load-balancer pair, the etcd nodes when etcd is external, control plane (each node prepared; init after the LB pair; joins one at a
 * time), workers (in parallel after init), upgrades (control-plane nodes one at a time, then the workers in batches;
 * nothing runs for them until kubernetesVersion changes), CNI through the VIP, readiness gate, stack outputs.
 */
public final class Cluster {
    private Cluster() {
    }

    /** @param today the UTC day of this run: a control-plane node's certificates are checked once a day */
    public static void create(Context ctx, ClusterConfig config, LocalDate today) {
        Optional<String> sshKey = Machines.sshKey(config);  // may fail: before anything is created
        // First, and everything waits for it: a change of the cluster's identity is refused before anything runs.
        RandomId identity = ClusterIdentity.create(config);
        ComponentResourceOptions afterIdentity = ComponentResourceOptions.builder().dependsOn(identity).build();
        Machines machines = new Machines("machines", config, sshKey, afterIdentity);
        ClusterSecrets secrets = ClusterSecrets.create(config);

        LoadBalancerPair loadBalancers = new LoadBalancerPair("load-balancers", config,
                machines.hosts(config.loadBalancers()), secrets, afterIdentity);
        // etcdNodes set: etcd on its own nodes (kubeadm's external etcd), ready before kubeadm init.
        Optional<EtcdCluster> externalEtcd = config.externalEtcd()
                ? Optional.of(new EtcdCluster("etcd", config, machines.hosts(config.etcdNodes()), identity.hex(), today,
                        afterIdentity))
                : Optional.empty();
        ControlPlane controlPlane = new ControlPlane("control-plane", config, machines.hosts(config.controlPlane()),
                secrets, identity.hex(), loadBalancers.ready(), externalEtcd, today, afterIdentity);
        WorkerPool workers = new WorkerPool("workers", config, machines.hosts(config.workers()), controlPlane,
                afterIdentity);
        Cni cni = new Cni("cni", CniCharts.of(config), controlPlane.kubeconfig, List.of(controlPlane.init()),
                !config.allowClusterDestroy(), afterIdentity);

        List<Resource> everything = new ArrayList<>(controlPlane.members());
        externalEtcd.ifPresent(etcd -> everything.addAll(etcd.members()));
        everything.addAll(workers.members());
        everything.add(controlPlane.scheduling());
        everything.addAll(workers.upgraded());
        everything.add(cni.release());
        Readiness.gate(config, controlPlane.actingFor(null), machines.hosts(config.allNodes()), identity.hex(), everything,
                null);

        ctx.export("apiEndpoint", Output.of("https://" + config.apiEndpoint()));
        ctx.export("vip", Output.of(config.vip()));
        ctx.export("kubeconfig", controlPlane.kubeconfig);
        ctx.export("nodes", Output.of(nodes(config)));
        ctx.export("haproxyStatsUrl", loadBalancers.statsUrl);
        ctx.export("haproxyStatsUser", Output.of(config.haproxy().statsUser()));
        ctx.export("haproxyStatsPassword", secrets.statsPassword());
        ctx.export("initialLoadBalancerMaster", loadBalancers.initialMaster);
        if (config.provisioner() == Provisioner.VAGRANT) {
            ctx.export("vagrantDotfilePath", machines.vagrantDotfilePath);
        }
    }

    /** name -> {role, address}, for `pulumi stack output nodes`. */
    static Map<String, Map<String, String>> nodes(ClusterConfig config) {
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        for (Node n : config.allNodes()) {
            nodes.put(n.name(), Map.of("role", n.role().label(), "address", n.address()));
        }
        return nodes;
    }
}
