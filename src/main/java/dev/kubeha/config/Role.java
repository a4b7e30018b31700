package dev.kubeha.config;

/** What a machine is for. */
public enum Role {
    LOAD_BALANCER("load-balancer"),
    CONTROL_PLANE("control-plane"),
    WORKER("worker");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The lower-case name used in outputs, plans and the Vagrantfile. */
    public String label() {
        return label;
    }
}
