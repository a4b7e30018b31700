package dev.kubeha.config;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The whole cluster as the stack describes it, typed and validated (see {@link ClusterConfigParser}).
 * {@code kubernetesApiProxy}: the proxy through which this machine's Kubernetes provider reaches the VIP (empty:
 * straight there).
 */
public record ClusterConfig(
        String clusterName,
        Provisioner provisioner,
        List<Node> loadBalancers,
        List<Node> controlPlane,
        List<Node> workers,
        String vip,
        int vipPrefixLength,
        int apiPort,
        KubernetesVersion kubernetesVersion,
        String podSubnet,
        String serviceSubnet,
        CniPlugin cni,
        String flannelChartVersion,
        String calicoChartVersion,
        String readinessProbeImage,
        boolean firewall,
        SshSettings ssh,
        VagrantSettings vagrant,
        HaproxySettings haproxy,
        KeepalivedSettings keepalived,
        List<String> warnings,
        boolean allowClusterDestroy,
        Optional<String> kubernetesApiProxy,
        KubernetesPackages kubernetesPackages,
        int certificateRenewalDays,
        UpgradeBatch upgradeWorkerBatch,
        EtcdBackupSettings etcdBackups,
        List<Node> etcdNodes) {

    /**
     * Most load balancers a stack may list: their VRRP priorities are distinct and fall in list order from 101
     * within keepalived's range (keepalived 2.2.7 keepalived.conf(5): "The valid range of values for priority is
     * [1-255], with priority 255 meaning address owner"; see render/lb/KeepalivedConfig#priority).
     */
    public static final int MAX_LOAD_BALANCERS = 100;

    public ClusterConfig {
        loadBalancers = List.copyOf(loadBalancers);
        controlPlane = List.copyOf(controlPlane);
        workers = List.copyOf(workers);
        warnings = List.copyOf(warnings);
        etcdNodes = List.copyOf(etcdNodes);
    }

    /**
     * Every machine, load balancers first, then control-plane nodes, then dedicated etcd nodes (kubeadm init waits for
     * them: their VMs boot before the workers'), then workers.
     */
    public List<Node> allNodes() {
        return Stream.of(loadBalancers, controlPlane, etcdNodes, workers).flatMap(List::stream).toList();
    }

    /**
     * etcd runs on its own nodes (etcdNodes set: kubeadm's external etcd) rather than stacked on the control-plane
     * nodes.
     */
    public boolean externalEtcd() {
        return !etcdNodes.isEmpty();
    }

    /** The nodes that hold etcd members: the etcd nodes with external etcd, else the control-plane nodes. */
    public List<Node> etcdMembers() {
        return externalEtcd() ? etcdNodes : controlPlane;
    }

    /** Control-plane nodes and workers: the machines that run Kubernetes. */
    public List<Node> kubernetesNodes() {
        return Stream.of(controlPlane, workers).flatMap(List::stream).toList();
    }

    /** The node that runs kubeadm init. */
    public Node firstControlPlane() {
        return controlPlane.get(0);
    }

    /** "192.168.56.100:6443". */
    public String apiEndpoint() {
        return vip + ":" + apiPort;
    }

    /** The node network, derived from the VIP and its prefix length ("192.168.56.0/24"). */
    public Cidr nodeNetwork() {
        return Cidr.of(Ipv4.parse(vip).orElseThrow(), vipPrefixLength);
    }
}
