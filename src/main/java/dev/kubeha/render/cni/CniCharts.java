package dev.kubeha.render.cni;

import dev.kubeha.config.ClusterConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Helm release of the chosen CNI, with values that keep it on the cluster network (not Vagrant's NAT NIC,
 * which is 10.0.2.15 on every VM) whatever the interface is called on each node.
 */
public final class CniCharts {
    public static final String FLANNEL_REPOSITORY = "https://flannel-io.github.io/flannel/";
    public static final String CALICO_REPOSITORY = "https://docs.tigera.io/calico/charts";

    private CniCharts() {
    }

    public static CniChart of(ClusterConfig config) {
        return switch (config.cni()) {
            case FLANNEL -> flannel(config);
            case CALICO -> calico(config);
        };
    }

    /**
     * flannel with the VXLAN backend. {@code --iface-can-reach=VIP} picks, on every node, the interface whose route
     * reaches the VIP: the cluster network, whatever its name (eth1 on Ubuntu boxes, enp0s8 on Rocky). Setting
     * {@code flannel.args} replaces the chart's defaults, so they are repeated.
     */
    static CniChart flannel(ClusterConfig config) {
        Map<String, Object> flannel = new LinkedHashMap<>();
        flannel.put("args", List.of("--ip-masq", "--kube-subnet-mgr", "--iface-can-reach=" + config.vip()));
        flannel.put("backend", "vxlan");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("podCidr", config.podSubnet());
        values.put("flannel", flannel);
        return new CniChart("flannel", "flannel", config.flannelChartVersion(), FLANNEL_REPOSITORY, "kube-flannel",
                Map.of("pod-security.kubernetes.io/enforce", "privileged"), values);
    }

    /**
     * Calico through the tigera-operator chart: the pod CIDR as the only IP pool (never Calico's 192.168.0.0/16
     * default, which overlaps Vagrant's host-only network), and node addresses autodetected from the cluster
     * network's CIDR, so the NAT NIC is never chosen.
     */
    static CniChart calico(ClusterConfig config) {
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("cidr", config.podSubnet());
        pool.put("encapsulation", "VXLANCrossSubnet");
        pool.put("natOutgoing", "Enabled");
        pool.put("blockSize", 26);
        pool.put("nodeSelector", "all()");
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("ipPools", List.of(pool));
        network.put("nodeAddressAutodetectionV4", Map.of("cidrs", List.of(config.nodeNetwork().toString())));
        Map<String, Object> installation = new LinkedHashMap<>();
        installation.put("cni", Map.of("type", "Calico"));
        installation.put("calicoNetwork", network);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("installation", installation);
        return new CniChart("calico", "tigera-operator", config.calicoChartVersion(), CALICO_REPOSITORY, "tigera-operator",
                Map.of(), values);
    }
}
