package dev.kubeha.render.kubeadm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * The parts of kubeadm's configuration API (kubeadm.k8s.io v1beta3 and v1beta4) kubeha sets, as records that
 * Jackson serialises. Field names are the API's. Null fields are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
final class KubeadmTypes {
    private KubeadmTypes() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"apiVersion", "kind"})
    record InitConfiguration(String apiVersion, String kind, List<BootstrapToken> bootstrapTokens,
                             String certificateKey, ApiEndpoint localAPIEndpoint, NodeRegistration nodeRegistration) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"apiVersion", "kind"})
    record ClusterConfiguration(String apiVersion, String kind, String clusterName, String kubernetesVersion,
                                String controlPlaneEndpoint, Networking networking, ApiServer apiServer, Etcd etcd) {
    }

    /**
     * Where the cluster's etcd is: null (left out) for kubeadm's default, a local (stacked) member; {@code local} with
     * the member's settings on a dedicated etcd node; {@code external} on the control plane of the external topology.
     * Local and External are mutually exclusive (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go,
     * Etcd; the same in v1beta3).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Etcd(LocalEtcd local, ExternalEtcd external) {
    }

    /**
     * extraArgs: a list of {name, value} in v1beta4, a map in v1beta3 (as kubeletExtraArgs), hence Object. The SANs are
     * added to those kubeadm always gives (v1beta4/types.go, LocalEtcd.ServerCertSANs and PeerCertSANs).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LocalEtcd(Object extraArgs, List<String> serverCertSANs, List<String> peerCertSANs) {
    }

    /** The external etcd's client URLs and the files the API server uses to reach it (v1beta4/types.go, ExternalEtcd). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ExternalEtcd(List<String> endpoints, String caFile, String certFile, String keyFile) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"apiVersion", "kind"})
    record JoinConfiguration(String apiVersion, String kind, Discovery discovery, NodeRegistration nodeRegistration,
                             JoinControlPlane controlPlane) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"apiVersion", "kind"})
    record KubeletConfiguration(String apiVersion, String kind, String cgroupDriver) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BootstrapToken(String token, String description, String ttl, List<String> usages, List<String> groups) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ApiEndpoint(String advertiseAddress, Integer bindPort) {
    }

    /**
     * kubeletExtraArgs is a list of {name, value} in v1beta4 and a map in v1beta3, hence Object. taints: null (left
     * out) gives a control-plane node kubeadm's control-plane NoSchedule taint; an empty list, none
     * (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go, NodeRegistrationOptions.Taints).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NodeRegistration(String name, String criSocket, Object kubeletExtraArgs, List<Object> taints) {
    }

    record Arg(String name, String value) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Networking(String podSubnet, String serviceSubnet) {
    }

    /** extraArgs: a list of {name, value} in v1beta4, a map in v1beta3 (as kubeletExtraArgs), hence Object. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ApiServer(List<String> certSANs, Object extraArgs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Discovery(BootstrapTokenDiscovery bootstrapToken) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BootstrapTokenDiscovery(String apiServerEndpoint, String token, List<String> caCertHashes) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JoinControlPlane(ApiEndpoint localAPIEndpoint, String certificateKey) {
    }
}
