package dev.kubeha.render.etcd;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.Templates;
import dev.kubeha.render.kubeadm.KubeadmConfigs;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the dedicated etcd nodes of the external etcd topology (etcdNodes) receive, modelled on kubeadm's "Set up a
 * High Availability etcd cluster with kubeadm" (kubernetes/website
 * content/en/docs/setup/production-environment/tools/kubeadm/setup-ha-etcd-with-kubeadm.md): the etcd CA and the
 * API server's client certificate on the first etcd node, each node's member (kubelet for static pods only, its
 * certificates from that CA, kubeadm's etcd static pod), its removal, its upgrade; and the client certificate on the
 * first control-plane node (high-availability.md, "External etcd nodes").
 */
public final class EtcdNodeScripts {
    /** Shared functions of the etcd node scripts. */
    static final String CLUSTER_LIBRARY = "etcd/cluster.sh";
    /** etcd's members as the etcd nodes see them (after CLUSTER_LIBRARY), then the shared functions. */
    static final List<String> MEMBERS_FROM_ETCD_NODE = List.of(CLUSTER_LIBRARY, "etcd/members-etcd-node.sh",
            NodeScripts.ETCD_MEMBERS_LIBRARY);
    /** Read after lib/os.sh on a control-plane node whose etcd is external: it has no member to snapshot. */
    public static final String EXTERNAL_CONTROL_PLANE_LIBRARY = "etcd/external-control-plane.sh";
    /** Renewing certificates signed by the etcd CA: read before the etcd node or control-plane script's body. */
    static final String RENEWAL_LIBRARY = "etcd/renewal.sh";
    static final int TIMEOUT_SECONDS = 300;
    private static final Pattern CREDENTIAL = Pattern.compile("^KUBEHA_(ETCD_[A-Z_]+)=([A-Za-z0-9+/=]+)$", Pattern.MULTILINE);

    private EtcdNodeScripts() {
    }

    /** The etcd CA and the control plane's client certificate, as ca.sh printed them (base64 of the PEM files). */
    public record Credentials(String caCert, String caKey, String clientCert, String clientKey) {
        /** Parses ca.sh's output; every one of the four must be there. */
        public static Credentials parse(String stdout) {
            Map<String, String> found = new HashMap<>();
            Matcher m = CREDENTIAL.matcher(stdout == null ? "" : stdout);
            while (m.find()) {
                found.put(m.group(1), m.group(2));
            }
            for (String name : List.of("ETCD_CA_CRT", "ETCD_CA_KEY", "ETCD_CLIENT_CRT", "ETCD_CLIENT_KEY")) {
                if (!found.containsKey(name)) {
                    throw new IllegalStateException("no KUBEHA_" + name + " line in the output of etcd/ca.sh");
                }
            }
            return new Credentials(found.get("ETCD_CA_CRT"), found.get("ETCD_CA_KEY"), found.get("ETCD_CLIENT_CRT"),
                    found.get("ETCD_CLIENT_KEY"));
        }

        @Override
        public String toString() {
            return "Credentials[etcd CA and client certificate, not shown]";
        }
    }

    /**
     * On the etcd node that makes the etcd CA ({@link ClusterConfig#etcdCaHolder}, while it is in the stack): make it
     * once, sign the API server's client certificate, print them.
     */
    public static String ca(ClusterConfig config) {
        return render("etcd/ca.sh", config, config.etcdCaHolder().orElseThrow(), Map.of());
    }

    /**
     * The etcd CA's record once the node that made it has left: never run, except when the record is created, which
     * means etcdCaNode names a node that made no CA in this stack: it fails, changing nothing.
     */
    public static String caRecord(ClusterConfig config) {
        return NodeScript.render("etcd/ca-record.sh", Map.of("CA_NODE", config.etcdCaNodeName()));
    }

    /** On an etcd node: its member, from the etcd CA (secret), started or joined to the running cluster. */
    public static String member(ClusterConfig config, Node node, Credentials etcd) {
        return render("etcd/member.sh", config, node, Map.of(
                "FIRST", Boolean.toString(keepsCaKey(config, node)),
                "FIREWALL", Boolean.toString(config.firewall()),
                "ETCD_CA_CRT", etcd.caCert(),
                "ETCD_CA_KEY", etcd.caKey(),
                "KUBELET_CONFIG", Templates.load("etcd/kubelet-static-pods.yaml"),
                "KUBELET_DROP_IN", Templates.load("etcd/20-etcd-service-manager.conf"),
                "TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS)));
    }

    /**
     * Teardown on the etcd node itself: snapshot, its member removed through the others (unless that loses quorum),
     * kubeadm reset.
     */
    public static String memberRemove(ClusterConfig config, Node node) {
        return render("etcd/member-remove.sh", config, node, Map.of(), MEMBERS_FROM_ETCD_NODE);
    }

    /**
     * On the first etcd node of the list, when etcdNodes changes and before any etcd node joins or leaves: the
     * membership check of the control plane's (etcd/membership.sh), against etcd's members as the etcd nodes see them. A dead member is replaced at its own name and address (member.sh removes it first).
     */
    public static String membership(ClusterConfig config) {
        Node first = config.etcdNodes().get(0);
        return NodeScript.render(EtcdScripts.MEMBERSHIP_CHECK, Map.of(
                "NODE_NAME", first.name(),
                "NODE_ADDRESS", first.address(),
                "MEMBERS", EtcdScripts.nameAddress(config.etcdNodes()),
                "FIELD", "kubeha:etcdNodes",
                "RESTORING", EtcdScripts.restoring(config),
                "DEAD_MEMBER_ADVICE", "Bring the dead member back, or replace its machine at the same name and address"
                        + " (its new member takes the dead one's place), before etcdNodes adds another node"),
                MEMBERS_FROM_ETCD_NODE);
    }

    /** On an etcd node: kubeadm's etcd of the configured Kubernetes version, unless it runs it already. */
    public static String upgrade(ClusterConfig config, Node node) {
        Map<String, String> params = new HashMap<>(config.kubernetesPackages().scriptParameters(config.kubernetesVersion()));
        params.put("KUBERNETES_MINOR", config.kubernetesVersion().minorVersion());
        params.put("KUBERNETES_PATCH", config.kubernetesVersion().patch().isPresent() ? config.kubernetesVersion().toString() : "");
        params.put("TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS));
        return render("etcd/upgrade.sh", config, node, params);
    }

    /**
     * On an etcd node, daily ({@code checkedOn}, a UTC day, is part of the text): its server, peer and
     * healthcheck-client certificates renewed from the etcd CA (secret) when the first ends within
     * {@code certificateRenewalDays}; etcd reads them at its next connections.
     */
    public static String certificates(ClusterConfig config, Node node, Credentials etcd, LocalDate checkedOn) {
        Map<String, String> params = new HashMap<>(renewal(config, node, etcd, checkedOn));
        params.put("TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS));
        return render("etcd/certificates.sh", config, node, params, List.of(CLUSTER_LIBRARY, RENEWAL_LIBRARY));
    }

    /**
     * On a control-plane node, daily: the API server's client certificate for the external etcd renewed from the etcd
     * CA (secret) when it ends within {@code certificateRenewalDays}, with a kubeadm configuration whose etcd is local
     * (kubeadm knows the etcd certificates only then).
     */
    public static String clientCertificate(ClusterConfig config, Node node, Credentials etcd, LocalDate checkedOn) {
        Map<String, String> params = new HashMap<>(renewal(config, node, etcd, checkedOn));
        params.put("RENEWAL_CONFIG", KubeadmConfigs.etcdClientRenewal(config, node));
        params.put("INSTALLED_VERSION_TOKEN", KubeadmConfigs.INSTALLED_VERSION);
        return NodeScript.render("etcd/client-certificate.sh", params, List.of(RENEWAL_LIBRARY));
    }

    /** What etcd/renewal.sh needs: the etcd CA (secret), the threshold, the day of the check. */
    private static Map<String, String> renewal(ClusterConfig config, Node node, Credentials etcd, LocalDate checkedOn) {
        return Map.of(
                "NODE_NAME", node.name(),
                "RENEW_DAYS", Integer.toString(config.certificateRenewalDays()),
                "CHECKED_ON", checkedOn.toString(),
                "KEEP_CA_KEY", Boolean.toString(keepsCaKey(config, node)),
                "ETCD_CA_CRT", etcd.caCert(),
                "ETCD_CA_KEY", etcd.caKey());
    }

    /** The etcd node that made the etcd CA keeps its key; every other node holds it only while it signs. */
    private static boolean keepsCaKey(ClusterConfig config, Node node) {
        return config.etcdCaHolder().filter(node::equals).isPresent();
    }

    /** On the first control-plane node, before kubeadm init: the etcd CA certificate and the client pair (secret). */
    public static String client(Node node, Credentials etcd) {
        return NodeScript.render("etcd/client.sh", Map.of(
                "NODE_NAME", node.name(),
                "ETCD_CA_CRT", etcd.caCert(),
                "ETCD_CLIENT_CRT", etcd.clientCert(),
                "ETCD_CLIENT_KEY", etcd.clientKey()));
    }

    private static String render(String path, ClusterConfig config, Node node, Map<String, String> more) {
        return render(path, config, node, more, List.of(CLUSTER_LIBRARY));
    }

    private static String render(String path, ClusterConfig config, Node node, Map<String, String> more,
                                 List<String> libraries) {
        Map<String, String> params = new HashMap<>(more);
        params.put("NODE_NAME", node.name());
        params.put("NODE_ADDRESS", node.address());
        params.put("MEMBERS", EtcdScripts.nameAddress(config.etcdNodes()));
        params.put("MEMBER_CONFIG", KubeadmConfigs.etcdMember(config, node));
        params.put("INSTALLED_VERSION_TOKEN", KubeadmConfigs.INSTALLED_VERSION);
        params.put("INITIAL_CLUSTER_TOKEN", KubeadmConfigs.INITIAL_CLUSTER);
        params.put("INITIAL_CLUSTER_STATE_TOKEN", KubeadmConfigs.INITIAL_CLUSTER_STATE);
        return NodeScript.render(path, params, libraries);
    }
}
