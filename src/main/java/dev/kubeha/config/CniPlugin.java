package dev.kubeha.config;

/** The CNI plugin, installed as a Helm release through the VIP. */
public enum CniPlugin {
    FLANNEL,
    CALICO
}
