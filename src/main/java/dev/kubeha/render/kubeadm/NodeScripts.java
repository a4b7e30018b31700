package dev.kubeha.render.kubeadm;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.config.Role;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The scripts that make a machine a Kubernetes node and take it out again, one renderer each. Scripts that carry
 * a token or the certificate key are sent on stdin; teardown scripts carry no secrets.
 */
public final class NodeScripts {
    /** How long a join's own bootstrap token stays valid after its credentials step ran. */
    static final int JOIN_TOKEN_TTL_MINUTES = 120;
    static final int NODE_TIMEOUT_SECONDS = 600;
    /** The etcd membership functions node-object.sh and the membership checks share (their etcdctl_local comes first). */
    public static final String ETCD_MEMBERS_LIBRARY = "etcd/members.sh";
    /** On a control-plane node with stacked etcd: etcd's members through the API, then the shared functions. */
    public static final List<String> ETCD_MEMBERS_THROUGH_API = List.of("etcd/members-api.sh", ETCD_MEMBERS_LIBRARY);
    /** The bootstrap token's Secret, for the scripts that make a join's token. */
    static final String BOOTSTRAP_TOKEN_LIBRARY = "kubeadm/bootstrap-token.sh";
    private static final Pattern CA_HASH = Pattern.compile("^KUBEHA_CA_CERT_HASH=(sha256:[0-9a-f]{64})$", Pattern.MULTILINE);

    private NodeScripts() {
    }

    /**
     * Swap, modules, sysctls, containerd, pinned kubelet/kubeadm/kubectl, node-ip, firewall (ports, and the pod
     * network trusted), NetworkManager leaving Calico's interfaces alone.
     */
    public static String prepare(ClusterConfig config, Node node) {
        return NodeScript.render("node/prepare.sh", withPackages(config, Map.of(
                "NODE_ADDRESS", node.address(),
                "ROLE", node.role() == Role.WORKER ? "worker" : node.role().label(),
                "KUBERNETES_MINOR", config.kubernetesVersion().minorVersion(),
                "KUBERNETES_PATCH", config.kubernetesVersion().patch().isPresent() ? config.kubernetesVersion().toString() : "",
                "FIREWALL", Boolean.toString(config.firewall()),
                "POD_SUBNET", config.podSubnet(),
                "CNI", config.cni().name().toLowerCase(java.util.Locale.ROOT))));
    }

    /** kubeadm init on the first control-plane node; prints {@code KUBEHA_CA_CERT_HASH=sha256:...}. */
    public static String init(ClusterConfig config, Node node, String token, String certificateKey) {
        return NodeScript.render("kubeadm/init.sh", Map.of(
                "NODE_NAME", node.name(),
                "API_ENDPOINT", config.apiEndpoint(),
                "INIT_CONFIG", KubeadmConfigs.init(config, node, token, certificateKey),
                "INSTALLED_VERSION_TOKEN", KubeadmConfigs.INSTALLED_VERSION));
    }

    /** The CA certificate hash init.sh or kubeconfig.sh printed. */
    public static String parseCaCertHash(String stdout) {
        Matcher m = CA_HASH.matcher(stdout == null ? "" : stdout);
        if (!m.find()) {
            throw new IllegalStateException("no KUBEHA_CA_CERT_HASH line in the output of kubeadm init or kubeconfig.sh");
        }
        return m.group(1);
    }

    /** The admin kubeconfig kubeconfig.sh printed after its CA hash line. */
    public static String parseKubeconfig(String stdout) {
        return CA_HASH.matcher(stdout == null ? "" : stdout).replaceAll("").stripLeading();
    }

    /**
     * Run on the first control-plane node right before {@code joiner} joins: its own token, and for a control-plane
     * joiner ({@code certificateKey} not null) the certificates re-uploaded with the known key.
     */
    public static String refreshCredentials(ClusterConfig config, Node joiner, String token, String certificateKey) {
        return NodeScript.render("kubeadm/credentials.sh", Map.of(
                "NODE_NAME", joiner.name(),
                "TOKEN", token,
                "TOKEN_TTL_MINUTES", Integer.toString(JOIN_TOKEN_TTL_MINUTES),
                "UPLOAD_CERTS_CONFIG", Optional.ofNullable(certificateKey)
                        .map(k -> KubeadmConfigs.uploadCerts(config, k)).orElse("")), List.of(BOOTSTRAP_TOKEN_LIBRARY));
    }

    /** One worker's line in {@link #workerTokens}: its name, its own token, the id of its membership step. */
    public record WorkerToken(String node, String token, String membership) {
    }

    /**
     * Run on the workers' acting member before their joins: the bootstrap tokens of a batch of workers in one
     * session, each valid for {@link #JOIN_TOKEN_TTL_MINUTES} from the run; none for a worker already registered.
     */
    public static String workerTokens(List<WorkerToken> workers) {
        return NodeScript.render("kubeadm/worker-tokens.sh", Map.of(
                "JOINS", workers.stream().map(w -> w.node() + " " + w.token() + " " + w.membership())
                        .collect(Collectors.joining("\n")),
                "TOKEN_TTL_MINUTES", Integer.toString(JOIN_TOKEN_TTL_MINUTES)), List.of(BOOTSTRAP_TOKEN_LIBRARY));
    }

    public static String joinControlPlane(ClusterConfig config, Node node, String token, String caCertHash,
                                          String certificateKey) {
        return join(config, node, true, KubeadmConfigs.joinControlPlane(config, node, token, caCertHash, certificateKey));
    }

    public static String joinWorker(ClusterConfig config, Node node, String token, String caCertHash) {
        return join(config, node, false, KubeadmConfigs.joinWorker(config, node, token, caCertHash));
    }

    private static String join(ClusterConfig config, Node node, boolean controlPlane, String joinConfig) {
        return NodeScript.render("kubeadm/join.sh", Map.of(
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "API_PORT", Integer.toString(config.apiPort()),
                "API_ENDPOINT", config.apiEndpoint(),
                "CONTROL_PLANE", Boolean.toString(controlPlane),
                "STACKED_ETCD", Boolean.toString(controlPlane && !config.externalEtcd()),
                "JOIN_CONFIG", joinConfig));
    }

    /**
     * On the node: move it to the configured version (kubeadm, then kubelet and kubectl) unless it runs it already;
     * {@code first}: the node where {@code kubeadm upgrade apply} runs (the cluster-wide acting member).
     */
    public static String upgrade(ClusterConfig config, Node node, boolean first) {
        return NodeScript.render("kubeadm/upgrade.sh", withBackends(config, withPackages(config, Map.of(
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "API_PORT", Integer.toString(config.apiPort()),
                "FIRST", Boolean.toString(first),
                "CONTROL_PLANE", Boolean.toString(node.role() == Role.CONTROL_PLANE),
                "KUBERNETES_MINOR", config.kubernetesVersion().minorVersion(),
                "KUBERNETES_PATCH", config.kubernetesVersion().patch().isPresent() ? config.kubernetesVersion().toString() : ""))),
                node.role() == Role.CONTROL_PLANE && config.externalEtcd()
                        ? List.of(LoadBalancerScripts.BACKEND_LIBRARY, EtcdNodeScripts.EXTERNAL_CONTROL_PLANE_LIBRARY)
                        : List.of(LoadBalancerScripts.BACKEND_LIBRARY));
    }

    /**
     * node-object.sh's CONTROL_PLANE (drain, delete) says the node takes an etcd member with it: a snapshot before it
     * goes, its member removed after. A control-plane node whose etcd is external (etcdNodes) has none.
     */
    private static boolean holdsEtcdMember(ClusterConfig config, Node node) {
        return node.role() == Role.CONTROL_PLANE && !config.externalEtcd();
    }

    /** A script's parameters plus what the load balancers' backend functions need (LoadBalancerScripts.BACKEND_LIBRARY). */
    private static Map<String, String> withBackends(ClusterConfig config, Map<String, String> params) {
        Map<String, String> all = new java.util.HashMap<>(params);
        all.putAll(LoadBalancerScripts.backendParameters(config));
        return all;
    }

    /**
     * On a control-plane node: renew its kubeadm certificates and restart its control-plane pods when the first of
     * them expires within {@code certificateRenewalDays}. {@code checkedOn} (a UTC day) is part of the text, so the
     * step runs on the first {@code pulumi up} of each day and on no other.
     */
    public static String certificates(ClusterConfig config, Node node, LocalDate checkedOn) {
        return NodeScript.render("kubeadm/certificates.sh", withBackends(config, Map.of(
                "NODE_NAME", node.name(),
                "NODE_ADDRESS", node.address(),
                "API_PORT", Integer.toString(config.apiPort()),
                "RENEW_DAYS", Integer.toString(config.certificateRenewalDays()),
                "CHECKED_ON", checkedOn.toString())),
                List.of(LoadBalancerScripts.BACKEND_LIBRARY));
    }

    /** A script's parameters plus the Kubernetes package repository of the configured minor and containerd's source. */
    private static Map<String, String> withPackages(ClusterConfig config, Map<String, String> params) {
        Map<String, String> all = new java.util.HashMap<>(params);
        all.putAll(config.kubernetesPackages().scriptParameters(config.kubernetesVersion()));
        return all;
    }

    /** On the first control-plane node, before {@code node}'s upgrade: drain it unless it runs the version. */
    public static String cordon(ClusterConfig config, Node node) {
        return nodeObject("cordon", node, Map.of("VERSION", config.kubernetesVersion().toString()));
    }

    /**
     * On the first control-plane node, once every node joined: control-plane nodes take workloads exactly when the
     * stack has no workers.
     */
    public static String scheduling(ClusterConfig config) {
        return NodeScript.render("kubeadm/scheduling.sh", Map.of(
                "CONTROL_PLANE_NODES", config.controlPlane().stream().map(Node::name).collect(Collectors.joining(" ")),
                "SCHEDULABLE", Boolean.toString(config.workers().isEmpty())));
    }

    /** On the first control-plane node, after {@code node}'s upgrade: uncordon it once it is Ready on the version. */
    public static String uncordon(ClusterConfig config, Node node) {
        return nodeObject("uncordon", node, Map.of("VERSION", config.kubernetesVersion().toString()));
    }

    /** Teardown on the node itself: kubeadm reset (which also removes a control-plane node's etcd member). */
    public static String reset(ClusterConfig config, Node node) {
        return NodeScript.render("kubeadm/reset.sh", withBackends(config, Map.of("NODE_NAME", node.name())),
                List.of(LoadBalancerScripts.BACKEND_LIBRARY));
    }

    /** On the first control-plane node: wait until {@code node} registered. */
    public static String awaitNode(ClusterConfig config, Node node) {
        return nodeObject("await", node);
    }

    /**
     * On {@code node}'s acting member ({@link ClusterConfig#actingMember}), before {@code node}'s own teardown: drain it
     * (cordon it only, when it does not answer) and delete its Node object; a control-plane node: after a snapshot,
     * with its API server drained on the load balancers and its etcd member removed from the acting member.
     */
    public static String drain(ClusterConfig config, Node node) {
        Map<String, String> params = new java.util.HashMap<>(etcdMember(config, node));
        params.putAll(LoadBalancerScripts.backendParameters(config));
        return nodeObject("drain", node, params, List.of(LoadBalancerScripts.BACKEND_LIBRARY));
    }

    /**
     * On {@code node}'s acting member: delete {@code node}'s Node object after it left and, for a control-plane node,
     * make sure its etcd member is gone.
     */
    public static String deleteNode(ClusterConfig config, Node node) {
        // Without the planned member count: this delete belongs to a step that runs its script whenever an input
        // changes (a control-plane join's credentials), and the count changes with every control-plane change. The
        // drain's delete, which runs first and removes the member, checks it.
        Map<String, String> params = new java.util.HashMap<>(etcdMember(config, node));
        params.put("ETCD_MEMBERS", "");
        return nodeObject("delete", node, params, List.of());
    }

    /**
     * What a removal needs: whether {@code node}'s API server leaves the load balancers, and where to find its etcd
     * member, through its acting member's etcd static pod (none with external etcd: HOLDS_ETCD false).
     */
    private static Map<String, String> etcdMember(ClusterConfig config, Node node) {
        return Map.of(
                "CONTROL_PLANE", Boolean.toString(node.role() == Role.CONTROL_PLANE),
                "HOLDS_ETCD", Boolean.toString(holdsEtcdMember(config, node)),
                // How many members etcd has when the node leaves as planned: the removal refuses fewer (members.sh).
                // Empty for a node that holds none, so that its steps do not change with the control plane's size.
                "ETCD_MEMBERS", holdsEtcdMember(config, node) ? Integer.toString(config.etcdMembers().size()) : "",
                "NODE_ADDRESS", node.address(),
                "ETCD_POD", "etcd-" + config.actingMember(node).name());
    }

    private static String nodeObject(String action, Node node) {
        return nodeObject(action, node, Map.of());
    }

    private static String nodeObject(String action, Node node, Map<String, String> more) {
        return nodeObject(action, node, more, List.of());
    }

    private static String nodeObject(String action, Node node, Map<String, String> more, List<String> libraries) {
        Map<String, String> params = new java.util.HashMap<>(more);
        params.put("ACTION", action);
        params.put("NODE_NAME", node.name());
        params.put("TIMEOUT_SECONDS", Integer.toString(NODE_TIMEOUT_SECONDS));
        List<String> all = new java.util.ArrayList<>(ETCD_MEMBERS_THROUGH_API);
        all.addAll(libraries);
        return NodeScript.render("kubeadm/node-object.sh", params, all);
    }

    /**
     * Prints the CA certificate hash and the admin kubeconfig: read-only and standalone (without lib/os.sh, no
     * parameters), so its text never changes with the stack's config or the other scripts.
     */
    public static String kubeconfig() {
        return NodeScript.renderStandalone("kubeadm/kubeconfig.sh");
    }
}
