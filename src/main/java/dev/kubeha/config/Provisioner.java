package dev.kubeha.config;

/** Where the machines come from. */
public enum Provisioner {
    /** The stack brings VMs up from vagrant/ and destroys them. */
    VAGRANT,
    /** Hosts that exist already, reachable over SSH. */
    EXISTING
}
