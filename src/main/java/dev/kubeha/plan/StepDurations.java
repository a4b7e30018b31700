package dev.kubeha.plan;

import java.util.Map;

/**
 * Typical durations of each kind of step, for the simulated timeline. Measured on nothing: these are documented
 * estimates for a small VirtualBox cluster on a laptop with a warm package cache; real runs vary with the network.
 */
public final class StepDurations {
    /** Seconds per step, by the suffix of a remote or local command's name ({@code <node>-<step>}). */
    static final Map<String, Integer> COMMAND_STEPS = Map.ofEntries(
            Map.entry("vm", 90),            // vagrant up of one VM from a cached box (they run one at a time)
            Map.entry("install", 60),       // HAProxy + Keepalived packages
            Map.entry("configure", 5),      // render, validate, reload
            Map.entry("prepare", 240),      // containerd, kubelet/kubeadm/kubectl, modules, sysctls
            Map.entry("init", 150),         // kubeadm init incl. image pulls
            Map.entry("kubeconfig", 2),
            Map.entry("credentials", 5),    // join token + certificate re-upload
            Map.entry("join", 120),         // kubeadm join (control plane: until etcd and the API server are healthy)
            Map.entry("drain", 10),         // wait until the node registered
            // Upgrade steps: nothing to do while the cluster is built (every node runs the version); on a change of
            // kubernetesVersion each node takes minutes (drain, kubeadm upgrade, kubelet restart), one at a time.
            Map.entry("cordon", 2),
            Map.entry("upgrade", 3),
            Map.entry("uncordon", 2),
            Map.entry("backup", 2),         // <node>-etcd-backup: write the snapshot command and its timer
            Map.entry("restore", 60),       // <node>-etcd-restore (etcdRestoreFrom): etcdutl, static pods stopped and started
            Map.entry("restored", 60),      // etcd-restored: every member healthy, the API back
            Map.entry("scheduling", 2),     // read the control-plane nodes' taints (changes them only when workers come or go)
            Map.entry("readiness", 120));   // nodes Ready, CoreDNS, /healthz through the VIP and each LB
    /** Seconds per resource type for everything that is not a command. */
    static final Map<String, Integer> TYPES = Map.of(
            "kubernetes:helm.sh/v3:Release", 60,
            "kubernetes:core/v1:Namespace", 1);
    /** A worker joins faster than a control-plane node (no etcd, no control-plane images). */
    static final int WORKER_JOIN = 60;
    /** Steps this table does not know: shown with this duration and flagged. */
    static final int UNKNOWN = 10;

    private StepDurations() {
    }
}
