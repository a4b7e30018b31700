package dev.kubeha.render.kubeadm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.KubernetesVersion;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.KubeadmTypes.ApiEndpoint;
import dev.kubeha.render.kubeadm.KubeadmTypes.ApiServer;
import dev.kubeha.render.kubeadm.KubeadmTypes.Arg;
import dev.kubeha.render.kubeadm.KubeadmTypes.BootstrapToken;
import dev.kubeha.render.kubeadm.KubeadmTypes.BootstrapTokenDiscovery;
import dev.kubeha.render.kubeadm.KubeadmTypes.ClusterConfiguration;
import dev.kubeha.render.kubeadm.KubeadmTypes.Discovery;
import dev.kubeha.render.kubeadm.KubeadmTypes.Etcd;
import dev.kubeha.render.kubeadm.KubeadmTypes.ExternalEtcd;
import dev.kubeha.render.kubeadm.KubeadmTypes.LocalEtcd;
import dev.kubeha.render.kubeadm.KubeadmTypes.InitConfiguration;
import dev.kubeha.render.kubeadm.KubeadmTypes.JoinConfiguration;
import dev.kubeha.render.kubeadm.KubeadmTypes.JoinControlPlane;
import dev.kubeha.render.kubeadm.KubeadmTypes.KubeletConfiguration;
import dev.kubeha.render.kubeadm.KubeadmTypes.Networking;
import dev.kubeha.render.kubeadm.KubeadmTypes.NodeRegistration;
import dev.kubeha.render.lb.HaproxyConfig;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * kubeadm's configuration files, built as typed records and serialised to YAML: v1beta4 for Kubernetes 1.31 and
 * later, v1beta3 below. Every node advertises and registers with its configured address (Vagrant's first NIC is
 * NAT with 10.0.2.15 on every VM), and everything reaches the API through the VIP.
 */
public final class KubeadmConfigs {
    /**
     * With a minor-only version (1.31), init.sh replaces this with {@code kubeadm version -o short} on the node, so
     * the control plane runs exactly the kubeadm that was installed (kubeadm would otherwise ask the internet for
     * "stable-1").
     */
    public static final String INSTALLED_VERSION = "KUBEHA_INSTALLED_KUBEADM_VERSION";
    static final String CRI_SOCKET = "unix:///var/run/containerd/containerd.sock";
    /** etcd-member.sh replaces these with the member list and the state it found the etcd cluster in. */
    public static final String INITIAL_CLUSTER = "KUBEHA_MEMBER_LIST";
    public static final String INITIAL_CLUSTER_STATE = "KUBEHA_INITIAL_CLUSTER_STATE";
    /** The etcd CA and the API server's client certificate, where kubeadm keeps them (constants.go). */
    public static final String ETCD_CA_FILE = "/etc/kubernetes/pki/etcd/ca.crt";
    public static final String ETCD_CLIENT_CERT_FILE = "/etc/kubernetes/pki/apiserver-etcd-client.crt";
    public static final String ETCD_CLIENT_KEY_FILE = "/etc/kubernetes/pki/apiserver-etcd-client.key";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private KubeadmConfigs() {
    }

    /** InitConfiguration + ClusterConfiguration + KubeletConfiguration for the first control-plane node. */
    public static String init(ClusterConfig config, Node node, String token, String certificateKey) {
        String api = config.kubernetesVersion().kubeadmApiVersion();
        InitConfiguration init = new InitConfiguration(api, "InitConfiguration",
                List.of(new BootstrapToken(token, "kubeha: kubeadm init", "2h",
                        List.of("signing", "authentication"), List.of("system:bootstrappers:kubeadm:default-node-token"))),
                certificateKey,
                new ApiEndpoint(node.address(), config.apiPort()),
                nodeRegistration(config, node, true));
        ClusterConfiguration cluster = new ClusterConfiguration(api, "ClusterConfiguration", config.clusterName(),
                kubernetesVersion(config.kubernetesVersion()), config.apiEndpoint(),
                new Networking(config.podSubnet(), config.serviceSubnet()),
                new ApiServer(List.of(config.vip()), args(config, Map.of("shutdown-delay-duration",
                        shutdownDelaySeconds(config) + "s"))), externalEtcd(config));
        KubeletConfiguration kubelet = new KubeletConfiguration("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration", "systemd");
        return documents(init, cluster, kubelet);
    }

    /** JoinConfiguration of a control-plane node: the certificate key downloads the shared certificates. */
    public static String joinControlPlane(ClusterConfig config, Node node, String token, String caCertHash,
                                          String certificateKey) {
        return documents(join(config, node, token, caCertHash,
                new JoinControlPlane(new ApiEndpoint(node.address(), config.apiPort()), certificateKey)));
    }

    /** JoinConfiguration of a worker: no control-plane section, so no certificate key. */
    public static String joinWorker(ClusterConfig config, Node node, String token, String caCertHash) {
        return documents(join(config, node, token, caCertHash, null));
    }

    /**
     * The InitConfiguration that re-uploads the control-plane certificates with the known key; with external etcd also
     * the ClusterConfiguration that says so, for kubeadm uploads the external etcd's CA and client certificate instead
     * of a local etcd CA (kubernetes/kubernetes cmd/kubeadm/app/phases/copycerts/copycerts.go, certsToTransfer:
     * external-etcd-ca.crt, external-etcd.crt, external-etcd.key), which joining control-plane nodes download.
     */
    public static String uploadCerts(ClusterConfig config, String certificateKey) {
        String api = config.kubernetesVersion().kubeadmApiVersion();
        InitConfiguration init = new InitConfiguration(api, "InitConfiguration", null, certificateKey, null, null);
        if (!config.externalEtcd()) {
            return documents(init);
        }
        return documents(init, new ClusterConfiguration(api, "ClusterConfiguration", null, null, null, null, null,
                externalEtcd(config)));
    }

    /**
     * The control plane's etcd with etcdNodes set: kubeadm's "External etcd nodes" (kubernetes/website
     * content/en/docs/setup/production-environment/tools/kubeadm/high-availability.md, "Set up the first control plane
     * node": etcd.external with endpoints, caFile, certFile, keyFile). Null (kubeadm's local etcd) when stacked.
     */
    private static Etcd externalEtcd(ClusterConfig config) {
        if (!config.externalEtcd()) {
            return null;
        }
        return new Etcd(null, new ExternalEtcd(config.etcdNodes().stream().map(KubeadmConfigs::clientUrl).toList(),
                ETCD_CA_FILE, ETCD_CLIENT_CERT_FILE, ETCD_CLIENT_KEY_FILE));
    }

    /**
     * The kubeadm configuration of a dedicated etcd node, as kubeadm's "Set up a High Availability etcd cluster with
     * kubeadm" writes it (kubernetes/website content/en/docs/setup/production-environment/tools/kubeadm/
     * setup-ha-etcd-with-kubeadm.md, "Create configuration files for kubeadm"): the member's name and addresses, its
     * certificates' SANs, and the whole member list. Its client URLs add 127.0.0.1, as kubeadm's stacked members have
     * (cmd/kubeadm/app/phases/etcd/local.go, getEtcdCommand), so kubeha's snapshot command (etcdctl in the etcd
     * container, lib/os.sh) works on it as on a control-plane node. kubernetesVersion picks kubeadm's etcd image
     * (the installed kubeadm's, like init); {@link #INITIAL_CLUSTER} and {@link #INITIAL_CLUSTER_STATE} are filled in
     * by etcd-member.sh, which finds out whether the member starts a new cluster or joins a running one.
     */
    public static String etcdMember(ClusterConfig config, Node node) {
        String api = config.kubernetesVersion().kubeadmApiVersion();
        InitConfiguration init = new InitConfiguration(api, "InitConfiguration", null, null,
                new ApiEndpoint(node.address(), null), new NodeRegistration(node.name(), CRI_SOCKET, null, null));
        Map<String, String> args = Map.of(
                "name", node.name(),
                "initial-cluster", INITIAL_CLUSTER,
                "initial-cluster-state", INITIAL_CLUSTER_STATE,
                "listen-peer-urls", peerUrl(node),
                "initial-advertise-peer-urls", peerUrl(node),
                "listen-client-urls", "https://127.0.0.1:2379," + clientUrl(node),
                "advertise-client-urls", clientUrl(node));
        ClusterConfiguration cluster = new ClusterConfiguration(api, "ClusterConfiguration", null,
                kubernetesVersion(config.kubernetesVersion()), null, null, null,
                new Etcd(new LocalEtcd(args(config, args), List.of(node.address()), List.of(node.address())), null));
        return documents(init, cluster);
    }

    /**
     * The kubeadm configuration with which a control-plane node of the external etcd topology renews the API server's
     * client certificate: the node's name and address and the installed kubeadm's version ({@link #INSTALLED_VERSION}),
     * and no etcd section, so kubeadm's default, a local etcd: its renewal manager knows the etcd certificates only
     * then (kubernetes/kubernetes cmd/kubeadm/app/phases/certs/renewal/manager.go, NewManager). Used for that renewal
     * alone, never for the cluster.
     */
    public static String etcdClientRenewal(ClusterConfig config, Node node) {
        String api = config.kubernetesVersion().kubeadmApiVersion();
        InitConfiguration init = new InitConfiguration(api, "InitConfiguration", null, null,
                new ApiEndpoint(node.address(), null), new NodeRegistration(node.name(), CRI_SOCKET, null, null));
        ClusterConfiguration cluster = new ClusterConfiguration(api, "ClusterConfiguration", null,
                kubernetesVersion(config.kubernetesVersion()), null, null, null, null);
        return documents(init, cluster);
    }

    /** https://ADDRESS:2379, where a member serves its clients. */
    public static String clientUrl(Node node) {
        return "https://" + node.address() + ":2379";
    }

    /** https://ADDRESS:2380, where a member talks to its peers (kubeadm's GetPeerURL). */
    public static String peerUrl(Node node) {
        return "https://" + node.address() + ":2380";
    }

    private static JoinConfiguration join(ClusterConfig config, Node node, String token, String caCertHash,
                                          JoinControlPlane controlPlane) {
        return new JoinConfiguration(config.kubernetesVersion().kubeadmApiVersion(), "JoinConfiguration",
                new Discovery(new BootstrapTokenDiscovery(config.apiEndpoint(), token, List.of(caCertHash))),
                nodeRegistration(config, node, controlPlane != null), controlPlane);
    }

    /**
     * A control-plane node of a stack without workers registers without kubeadm's NoSchedule taint: the control
     * plane is then where the workloads run.
     */
    private static NodeRegistration nodeRegistration(ClusterConfig config, Node node, boolean controlPlane) {
        Object kubeletArgs = args(config, Map.of("node-ip", node.address()));
        List<Object> taints = controlPlane && config.workers().isEmpty() ? List.of() : null;
        return new NodeRegistration(node.name(), CRI_SOCKET, kubeletArgs, taints);
    }

    /**
     * kube-apiserver's --shutdown-delay-duration: told to stop, an API server fails /readyz at once and keeps serving
     * this long before it stops listening (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/server/options/
     * server_run_options.go), so the load balancers' /readyz checks take it out first: their detection time, whole
     * seconds, plus one. It must end well before the kubelet gives up on the pod (Kubernetes' default termination
     * grace period is 30 s; kubeadm's manifests were not checked for another): ClusterConfigParser keeps
     * haproxyCheckIntervalMs x (haproxyCheckFall + 1) at most 20 s.
     */
    public static int shutdownDelaySeconds(ClusterConfig config) {
        return (int) Math.ceil(HaproxyConfig.detectionSeconds(config)) + 1;
    }

    /** Extra command-line arguments as the kubeadm API of the configured version spells them. */
    private static Object args(ClusterConfig config, Map<String, String> args) {
        if (config.kubernetesVersion().minor() >= 31) {
            return args.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> new Arg(e.getKey(), e.getValue())).toList();
        }
        return new java.util.TreeMap<>(args);
    }

    static String kubernetesVersion(KubernetesVersion v) {
        return v.patch().isPresent() ? "v" + v : INSTALLED_VERSION;
    }

    private static String documents(Object... docs) {
        List<String> parts = new ArrayList<>();
        try {
            for (Object d : docs) {
                parts.add(YAML.writeValueAsString(d));
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return String.join("---\n", parts);
    }
}
