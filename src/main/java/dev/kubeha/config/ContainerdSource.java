package dev.kubeha.config;

/**
 * Where nodes get containerd (key {@code containerdSource}). kubeha needs containerd 2 from Kubernetes 1.36 on
 * ({@link KubernetesVersion#minimumContainerdMajor()}), and containerd 1.7, the last 1.x, is past its end of support
 * (containerd/containerd RELEASES.md: 1.7 LTS until September 2026). Distributions still ship 1.x (Debian 12:
 * 1.6.20, Debian 13 and Ubuntu 24.04: 1.7), so the default is Docker's package.
 */
public enum ContainerdSource {
    /**
     * Docker's {@code containerd.io} package (containerd 2.x) from Docker's repository, {@code containerdRepository}
     * (https://download.docker.com/linux or a mirror of the same layout: {@code <url>/<debian|ubuntu>} apt
     * repositories by codename with their key at {@code gpg}, {@code <url>/centos/$releasever/$basearch/stable} for dnf).
     */
    DOCKER,
    /** The distribution's {@code containerd} package (Debian/Ubuntu; RHEL ships none), used when new enough. */
    DISTRIBUTION
}
