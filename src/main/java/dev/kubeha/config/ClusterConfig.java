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
        List<Node> etcdNodes,
        String controlPlaneInitNode,
        String etcdCaNode) {

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

    /** The first of controlPlaneNodes. */
    public Node firstControlPlane() {
        return controlPlane.get(0);
    }

    /**
     * The name of the control-plane node that ran (or, for a new cluster, runs) kubeadm init: controlPlaneInitNode,
     * else the first of controlPlaneNodes.
     */
    public String initNodeName() {
        return controlPlaneInitNode.isEmpty() ? controlPlane.get(0).name() : controlPlaneInitNode;
    }

    /**
     * The name of the etcd node that made (or, for a new cluster, makes) the etcd CA, with etcdNodes: etcdCaNode, else
     * the first of etcdNodes.
     */
    public String etcdCaNodeName() {
        return etcdCaNode.isEmpty() && externalEtcd() ? etcdNodes.get(0).name() : etcdCaNode;
    }

    /** The etcd node that made the etcd CA, while it is in the cluster; empty once it has been removed (or stacked). */
    public Optional<Node> etcdCaHolder() {
        return etcdNodes.stream().filter(n -> n.name().equals(etcdCaNodeName())).findFirst();
    }

    /** The node that ran kubeadm init, while it is in the cluster; empty once it has been removed. */
    public Optional<Node> initNode() {
        return controlPlane.stream().filter(n -> n.name().equals(initNodeName())).findFirst();
    }

    /**
     * Whether {@code node}'s machine and kubeadm init are protected (the engine refuses to delete them): the node that
     * ran init, unless allowClusterDestroy lifts the protection or controlPlaneInitNode is set, which says that the
     * user means to manage that node like any other member (replace or remove it). The cluster's identity stays
     * protected either way.
     */
    public boolean holdsTheCluster(Node node) {
        return !allowClusterDestroy && controlPlaneInitNode.isEmpty() && node.name().equals(initNodeName());
    }

    /**
     * The one place that decides which control-plane node drives the work kubeha does <i>for</i> another node
     * (a join's credentials, drains, cordons, the upgrade's kubectl calls, the removal of a node's etcd member and
     * Node object, the cluster-wide steps): the first control-plane node of the list that is not {@code subject}
     * ({@code subject} itself only when it is the only one). A node added to the list joins through a member that
     * was there before it as long as new nodes go after the first; a node removed from the list is no longer anyone's
     * acting member, and the steps that acted from it move to the new first (their connection is updated in place,
     * before the node's own steps are deleted, so their deletes run on a live member).
     *
     * While the node that ran kubeadm init is in the list, it acts for every other node, as it did when they joined
     * (a new cluster's joins can only go through it); once it has left, the first of the list does.
     *
     * @param subject the node acted on, or null for cluster-wide steps
     */
    public Node actingMember(Node subject) {
        return initNode().filter(n -> !n.equals(subject))
                .orElseGet(() -> controlPlane.stream().filter(n -> !n.equals(subject)).findFirst().orElse(controlPlane.get(0)));
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
