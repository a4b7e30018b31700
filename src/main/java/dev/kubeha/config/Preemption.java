package dev.kubeha.config;

/** What the first load balancer does with the VIP when it comes back. */
public enum Preemption {
    /** Take it back after keepalivedPreemptDelay seconds (its HAProxy has seen the backends by then). */
    DELAY,
    /** Take it back at once. */
    ALWAYS,
    /** Leave it where it is. */
    NEVER
}
