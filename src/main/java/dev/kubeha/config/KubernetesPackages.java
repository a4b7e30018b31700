package dev.kubeha.config;

import java.util.Map;

/**
 * Where nodes get kubelet, kubeadm, kubectl, cri-tools and kubernetes-cni: an apt repository for the Debian family
 * and a dnf repository for the RHEL family, each with the URL of its ASCII-armored signing key. Every value may hold
 * {@link #MINOR}, replaced by the Kubernetes minor being installed (pkgs.k8s.io has one repository per minor), so
 * an air-gapped site's mirror serves preparation and upgrades alike.
 */
public record KubernetesPackages(String debRepository, String debKey, String rpmRepository, String rpmKey) {
    public static final String MINOR = "{minor}";

    /** The script parameters for one minor (e.g. 1.31): the four values with {@link #MINOR} replaced. */
    public Map<String, String> scriptParameters(String minor) {
        return Map.of(
                "KUBERNETES_DEB_REPOSITORY", debRepository.replace(MINOR, minor),
                "KUBERNETES_DEB_KEY", debKey.replace(MINOR, minor),
                "KUBERNETES_RPM_REPOSITORY", rpmRepository.replace(MINOR, minor),
                "KUBERNETES_RPM_KEY", rpmKey.replace(MINOR, minor));
    }
}
