package dev.kubeha.plan;

import java.util.Map;

/**
 * Typical durations of each kind of step, for the simulated timeline. Each says where it comes from: measured (on
 * this project's machine lab or the HA lab of /work/shared/reference/notes/ha-lab-measurements.md), published, or
 * an assumption (a documented estimate for a small cluster on a laptop or LAN with a warm package cache; real runs
 * vary with the network and the mirror).
 */
public final class StepDurations {
    /** Seconds per step of a {@code pulumi up} that creates it, by the suffix of a command's name ({@code <node>-<step>}). */
    static final Map<String, Integer> COMMAND_STEPS = Map.ofEntries(
            // Assumption: vagrant up of one VM from a cached box (they run one at a time).
            Map.entry("vm", 90),
            // Measured: apt-get update 1.8 s + apt-get install haproxy keepalived 12.3 s on Debian 12 (HA lab, section
            // 1); LB installs measured 15-40 s (issue 15). The upper part of that range, for a remote mirror.
            Map.entry("install", 30),
            // Assumption: render, haproxy -c and keepalived -t, reload (each check well under a second in the HA lab).
            Map.entry("configure", 5),
            // Assumption: containerd, kubelet/kubeadm/kubectl, modules, sysctls from the internet. The machine lab's
            // NodePreparationLabTest does it in 29-31 s from a local mirror (README), the floor of this.
            Map.entry("prepare", 240),
            // Published: kubeadm init runs take 41-61 s with image pulls (issue 15); the upper end.
            Map.entry("init", 60),
            // Assumption: one SSH session that reads two files.
            Map.entry("kubeconfig", 2),
            // Assumption: one SSH session, a bootstrap token created (+ upload-certs for a control-plane join). A
            // worker's <node>-credentials opens none: its token is made in a batch (tokenBatch).
            Map.entry("credentials", 5),
            // Assumption: a control-plane join pulls the same images as init (41-61 s published for init); the etcd
            // learner's promotion and the API server's health add seconds.
            Map.entry("join", 60),
            // Assumption: one SSH session, kubectl until the Node object exists. Only an update of <node>-drain runs
            // it: a new node's join waits for its registration itself (REGISTRATION), the drain step opens no session.
            Map.entry("drain", 10),
            // Assumption: read the expiry dates with openssl (a renewal, at most once a year, restarts the pods: minutes).
            Map.entry("certificates", 3),
            // Assumption: external etcd only: one certificate's expiry read with openssl; a renewal (once a year) is
            // one kubeadm certs renew, no restart (<node>-etcd-client-certificate).
            Map.entry("certificate", 3),
            // Assumption: write the snapshot command and its timer (<node>-etcd-backup).
            Map.entry("backup", 2),
            // Assumption: etcdRestoreFrom only: etcdutl restore, static pods stopped and started (<node>-etcd-restore).
            Map.entry("restore", 60),
            // Assumption: every member healthy and the API back after a restore (etcd-restored).
            Map.entry("restored", 60),
            // Assumption: etcdRestoreFrom with external etcd only: a control-plane node's static pods stopped
            // (kube-apiserver's graceful shutdown) before the etcd nodes restore (<node>-restore-api-stop).
            Map.entry("stop", 30),
            // Assumption: etcdRestoreFrom with external etcd only: the static pods back and the API server ready on
            // the restored etcd (<node>-restore-api-start).
            Map.entry("start", 60),
            // Assumption: external etcd only: kubeadm makes the etcd CA and a client certificate (<first etcd>-etcd-ca).
            Map.entry("ca", 5),
            // Assumption: external etcd only: kubeadm's etcd image pulled (one image, a fraction of init's pulls) and
            // the member started and healthy (<node>-etcd-member).
            Map.entry("member", 30),
            // Assumption: external etcd only: three files written on the first control-plane node (<node>-etcd-client).
            Map.entry("client", 2),
            // Assumption: read the control-plane nodes' taints (changes them only when workers come or go).
            Map.entry("scheduling", 2),
            // Assumption: external etcd only: kubeadm-config read through the API, its endpoints compared (etcd-endpoints),
            // and a node's kube-apiserver manifest read with kubectl --local (<node>-etcd-servers); on a new cluster
            // both find the endpoints in place.
            Map.entry("endpoints", 3),
            Map.entry("servers", 3),
            // Assumption: nodes Ready, CoreDNS, a probe DaemonSet (image pull), /healthz through the VIP and each LB.
            Map.entry("readiness", 120));
    /**
     * Seconds per step that runs again when its inputs change (a {@code pulumi up} after a config change), by step.
     * The upgrade steps do nothing on creation (no create command: no SSH session); on a new
     * {@code kubernetesVersion} each node takes about a minute and a half, as issue 15 estimates.
     */
    static final Map<String, Integer> UPDATES = Map.of(
            // Assumption: kubectl drain of a node's evictable pods (their default termination grace is 30 s).
            "cordon", 30,
            // Assumption: the new kubeadm, kubelet and kubectl from the mirror (like the LB install, 15-40 s),
            // kubeadm upgrade node (apply on the first node), a kubelet restart.
            "upgrade", 60,
            // Assumption: until the node is Ready on the new version, then kubectl uncordon.
            "uncordon", 10,
            // Assumption: external etcd only, a new etcd address: the kubelet sees the changed kube-apiserver manifest
            // (it reads the directory every 20 s), stops the old pod and starts the new one, /readyz answers, the load
            // balancers count it up (<node>-etcd-servers).
            "servers", 60);
    /**
     * Assumption (an upper bound): a workers' token batch ({@code workers-N-tokens}) is one SSH session like a
     * credentials step, plus this per token it makes. Its server-side apply sends one PATCH per object
     * (kubernetes/kubectl pkg/cmd/apply/apply.go, applyOneObject), through a REST client that kubectl's builder makes per
     * object (k8s.io/cli-runtime pkg/resource/mapper.go, infoForData), so client-go's 5 requests a second
     * (kubernetes/client-go rest/config.go, DefaultQPS) do not add up across the batch; 0.4 s is that limit's pace for
     * two requests, kept as a margin for the API server's own latency. Not measured against a real API server.
     */
    static final double SECONDS_PER_TOKEN = 0.4;
    /** Assumption: an idempotent script that finds nothing to do (an SSH session and its checks). */
    static final int RERUN = 3;
    /** Seconds per resource type for everything that is not a command. */
    static final Map<String, Integer> TYPES = Map.of(
            // Assumption: the CNI's chart installed and its pods started (image pulls).
            "kubernetes:helm.sh/v3:Release", 60,
            // Assumption: one API call.
            "kubernetes:core/v1:Namespace", 1);
    /** Assumption: a worker joins faster than a control-plane node (no etcd, no control-plane images). */
    static final int WORKER_JOIN = 30;
    /**
     * Assumption: after kubeadm join, until the node sees its own Node object (the kubelet registers it right after
     * the TLS bootstrap that kubeadm join waits for). A control-plane join's duration includes it (its etcd member's
     * mirror pod, which the join waits for, needs the Node).
     */
    static final int REGISTRATION = 5;
    /** Steps this table does not know: shown with this duration and flagged. */
    static final int UNKNOWN = 10;

    private StepDurations() {
    }

    /** Seconds of a workers' token batch that makes {@code tokens} tokens. */
    static int tokenBatch(int tokens) {
        return (int) Math.ceil(COMMAND_STEPS.get("credentials") + SECONDS_PER_TOKEN * tokens);
    }
}
