package dev.kubeha.config;

import java.util.Locale;
import java.util.Map;

/**
 * Where nodes get kubelet, kubeadm, kubectl, cri-tools and kubernetes-cni: an apt repository for the Debian family
 * and a dnf repository for the RHEL family, each with the URL of its ASCII-armored signing key. Every value may hold
 * {@link #MINOR}, replaced by the Kubernetes minor being installed (pkgs.k8s.io has one repository per minor), so
 * an air-gapped site's mirror serves preparation and upgrades alike. And where they get containerd: the
 * {@link ContainerdSource} and, for Docker's packages, the base URL of Docker's repository (or its mirror).
 */
public record KubernetesPackages(String debRepository, String debKey, String rpmRepository, String rpmKey,
                                 ContainerdSource containerdSource, String containerdRepository) {
    public static final String MINOR = "{minor}";

    /**
     * The script parameters for one version: the four repository values with {@link #MINOR} replaced by its minor
     * (e.g. 1.31), and containerd's source, repository and the lowest containerd major that version runs with.
     */
    public Map<String, String> scriptParameters(KubernetesVersion version) {
        String minor = version.minorVersion();
        return Map.of(
                "KUBERNETES_DEB_REPOSITORY", debRepository.replace(MINOR, minor),
                "KUBERNETES_DEB_KEY", debKey.replace(MINOR, minor),
                "KUBERNETES_RPM_REPOSITORY", rpmRepository.replace(MINOR, minor),
                "KUBERNETES_RPM_KEY", rpmKey.replace(MINOR, minor),
                "CONTAINERD_SOURCE", containerdSource.name().toLowerCase(Locale.ROOT),
                "CONTAINERD_REPOSITORY", containerdRepository.replaceAll("/+$", ""),
                "CONTAINERD_MINIMUM_MAJOR", Integer.toString(version.minimumContainerdMajor()));
    }
}
