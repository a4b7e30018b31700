package dev.kubeha.config;

/** A machine of the cluster: its RFC 1123 name, its IPv4 address on the cluster network, and its role. */
public record Node(String name, String address, Role role) {
}
