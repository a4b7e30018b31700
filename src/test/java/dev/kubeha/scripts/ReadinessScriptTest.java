package dev.kubeha.scripts;

import dev.kubeha.components.Readiness;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readiness gate against a pretend cluster whose nodes are Ready and whose CoreDNS is available. The probe
 * script that runs inside each probe pod runs for real, under this machine's /bin/sh (dash, close to the busybox sh of
 * the probe image), with wget and nslookup standing in for busybox's: they fail for the pod IPs of nodes listed in
 * DEAD (and from those nodes' pods), and for every lookup when NO_DNS is set. The clock jumps 5 minutes a reading, so
 * the gate's 15-minute deadline comes after a few rounds.
 */
@Execution(ExecutionMode.CONCURRENT)
class ReadinessScriptTest {
    static final ClusterConfig CONFIG = Stacks.vagrant();

    /** Pod IP of the probe on the node at index i of the stack's Kubernetes nodes: 10.244.(i+1).2. */
    static ScriptHarness cluster(String dead, boolean dns) {
        StringBuilder pods = new StringBuilder();
        int i = 1;
        for (var n : CONFIG.kubernetesNodes()) {
            pods.append(n.name()).append(" 10.244.").append(i++).append(".2 kubeha-network-probe-").append(n.name()).append("\\n");
        }
        String clock = "f=\"$KUBEHA_ROOT/clock\"; t=$(cat \"$f\" 2>/dev/null || echo 1000000); echo $((t + 300)) >\"$f\"; echo \"$t\"";
        return new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("date", clock)
                .stub("kubectl", "case \"$*\" in "
                        + "*' apply -f -'*) cat >\"$KUBEHA_ROOT/applied.yaml\";; "
                        + "*'get node '*) echo True;; *spec.replicas*) echo 2;; *availableReplicas*) echo 2;; "
                        + "*'get pods -l app.kubernetes.io/name=kubeha-network-probe'*) printf '" + pods + "';; "
                        + "*' exec '*) while [ \"$1\" != exec ]; do shift; done; export SRC=\"$2\"; shift 3; exec \"$@\";; "
                        + "*) exit 0;; esac")
                .stub("wget", "for a; do :; done; ip=\"${a#http://}\"; ip=\"${ip%%:*}\"; "
                        + "for d in " + dead + "; do case \"$SRC $ip\" in *\"$d\"*) exit 1;; esac; done; exit 0")
                .stub("nslookup", dns ? "exit 0" : "exit 1")
                .stub("curl", "echo ok")
                .stubs("sleep", "logger");
    }

    static ScriptHarness.Run gate(ScriptHarness h) {
        return h.run(Readiness.script(CONFIG), Map.of());
    }

    @Test
    void aWorkingPodNetworkPassesAndEveryPairOfNodesWasChecked() throws Exception {
        ScriptHarness h = cluster("", true);
        ScriptHarness.Run run = gate(h);
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().contains("KUBEHA_READY=true"));
        String probe = java.nio.file.Files.readString(h.root().resolve("applied.yaml"));
        assertTrue(probe.contains("kind: DaemonSet") && probe.contains("image: \"docker.io/library/busybox:1.36.1\"")
                && probe.contains("tolerations: [{operator: Exists}]"), "a probe on every node, control plane included: " + probe);
        int nodes = CONFIG.kubernetesNodes().size();
        assertEquals(nodes * (nodes - 1), run.calls().stream().filter(c -> c.startsWith("wget -q -T 2 -O /dev/null http://10.244.")).count(),
                "8 nodes: every node reaches the 7 others");
        assertEquals(nodes, run.calls().stream().filter(c -> c.equals("nslookup kubernetes.default.svc.cluster.local")).count());
        assertTrue(run.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/admin.conf --request-timeout=10s -n kube-system "
                + "delete daemonset kubeha-network-probe"), "the probe is removed afterwards: " + run.calls());
    }

    @Test
    void aNodeWhoseOverlayIsDeadFailsTheGateNamingTheNodePairs() {
        // k8s-worker2 is the 5th Kubernetes node: its probe is 10.244.5.2 (VXLAN blocked by its firewall, say).
        ScriptHarness h = cluster("10.244.5.2 kubeha-network-probe-k8s-worker2", true);
        ScriptHarness.Run run = gate(h);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("not ready after 900s: the pod network: k8s-master1 -> k8s-worker2 (10.244.5.2)"), run.stderr());
        assertTrue(run.stderr().contains("k8s-worker2 -> k8s-worker3 (10.244.6.2)"), "its own probe reaches nobody: " + run.stderr());
        assertFalse(run.stderr().contains("k8s-master1 -> k8s-master2"), "healthy pairs are not named: " + run.stderr());
        assertFalse(run.stdout().contains("KUBEHA_READY"), run.stdout());
        assertTrue(run.calls().stream().anyMatch(c -> c.contains("delete daemonset kubeha-network-probe")), "removed on failure too");
    }

    @Test
    void noDnsThroughThePodNetworkFailsTheGate() {
        ScriptHarness.Run run = gate(cluster("", false));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("k8s-master1: kubernetes.default.svc.cluster.local does not resolve"), run.stderr());
    }
}
