package dev.kubeha.config;

import java.util.Optional;

/** Vagrant box, provider and per-role VM sizes. */
public record VagrantSettings(
        String box,
        Optional<String> boxUrl,
        Optional<String> boxVersion,
        String provider,
        Size loadBalancer,
        Size controlPlane,
        Size worker) {

    /** CPUs and memory (MiB) of a VM. */
    public record Size(int cpus, int memoryMiB) {
    }

    public Size sizeOf(Role role) {
        return switch (role) {
            case LOAD_BALANCER -> loadBalancer;
            case CONTROL_PLANE -> controlPlane;
            case WORKER, ETCD -> worker;
        };
    }
}
