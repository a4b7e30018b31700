package dev.kubeha.render.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.kubeadm.KubeadmConfigs;
import dev.kubeha.render.lb.LoadBalancerScripts;

import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the API servers find the external etcd (etcdNodes) when its nodes change: the etcd endpoints of kubeadm's
 * cluster configuration (the kubeadm-config ConfigMap, which joins and upgrades read), and each control-plane node's
 * kube-apiserver {@code --etcd-servers}, both the etcd nodes' client URLs in etcdNodes order, as kubeadm init writes
 * them ({@link KubeadmConfigs#clientUrl}). While etcd is restored (etcdRestoreFrom) neither changes anything: no API
 * server answers then; removing the setting runs them again.
 */
public final class EtcdEndpointScripts {
    static final int TIMEOUT_SECONDS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private EtcdEndpointScripts() {
    }

    /** On the cluster's acting member: kubeadm-config's etcd.external.endpoints set to the etcd nodes' client URLs. */
    public static String kubeadmConfig(ClusterConfig config, Node actingMember) {
        List<String> endpoints = endpoints(config);
        return NodeScript.render("etcd/kubeadm-config.sh", Map.of(
                "NODE_NAME", actingMember.name(),
                "ENDPOINTS", String.join(" ", endpoints),
                "RESTORING", EtcdScripts.restoring(config),
                "ENDPOINTS_PATCH", json(Map.of("etcd", Map.of("external", Map.of("endpoints", endpoints))))));
    }

    /**
     * On a control-plane node: its API server's --etcd-servers set to the etcd nodes' client URLs (comma-separated,
     * as kubeadm joins them), restarted drained from the load balancers, unless it has them already.
     */
    public static String apiServer(ClusterConfig config, Node node) {
        Map<String, String> params = new HashMap<>(LoadBalancerScripts.backendParameters(config));
        params.put("NODE_NAME", node.name());
        params.put("NODE_ADDRESS", node.address());
        params.put("API_PORT", Integer.toString(config.apiPort()));
        params.put("ETCD_SERVERS", String.join(",", endpoints(config)));
        params.put("TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS));
        params.put("RESTORING", EtcdScripts.restoring(config));
        params.put("ETCD_CA_FILE", KubeadmConfigs.ETCD_CA_FILE);
        params.put("ETCD_CERT_FILE", KubeadmConfigs.ETCD_CLIENT_CERT_FILE);
        params.put("ETCD_KEY_FILE", KubeadmConfigs.ETCD_CLIENT_KEY_FILE);
        return NodeScript.render("etcd/api-server-endpoints.sh", params, List.of(LoadBalancerScripts.BACKEND_LIBRARY));
    }

    private static List<String> endpoints(ClusterConfig config) {
        return config.etcdNodes().stream().map(KubeadmConfigs::clientUrl).toList();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
