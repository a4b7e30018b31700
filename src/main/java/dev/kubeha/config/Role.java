package dev.kubeha.config;

/** What a machine is for. */
public enum Role {
    LOAD_BALANCER("load-balancer"),
    CONTROL_PLANE("control-plane"),
    WORKER("worker"),
    /** A dedicated etcd member of the external etcd topology (etcdNodes). */
    ETCD("etcd");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The lower-case name used in outputs, plans and the Vagrantfile. */
    public String label() {
        return label;
    }
}
