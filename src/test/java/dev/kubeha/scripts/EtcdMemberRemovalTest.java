package dev.kubeha.scripts;

import dev.kubeha.config.Node;
import dev.kubeha.config.Role;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.util.List;

import static dev.kubeha.scripts.NodeScriptsTest.CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * After a control-plane node's removal, the first control-plane node removes the etcd member it left behind:
 * kubeadm reset removes the node's own member only when its local etcd answers, and only warns otherwise
 * (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/reset/removeetcdmember.go). Run against a real etcd cluster on
 * loopback; the stand-in kubectl turns `kubectl exec etcd-<node> -- etcdctl ...` into the real etcdctl against it
 * (dropping the TLS flags, which the loopback cluster does not use). Nodes get loopback addresses here, so the
 * member a test adds for a node that never started points nowhere but at this machine.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class EtcdMemberRemovalTest {
    static final Node MASTER2 = new Node("k8s-master2", "127.0.0.12", Role.CONTROL_PLANE);
    static final Node MASTER3 = new Node("k8s-master3", "127.0.0.13", Role.CONTROL_PLANE);

    @BeforeAll
    static void etcdInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
    }

    static ScriptHarness firstControlPlaneNode(LocalEtcd etcd) {
        return new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "case \"$*\" in "
                + "*' delete node '*) exit 0;; "
                + "*' exec etcd-k8s-master1 -- etcdctl '*) while [ \"$1\" != etcdctl ]; do shift; done; shift; args=(); "
                + "for a; do case \"$a\" in --endpoints=*|--cacert=*|--cert=*|--key=*) ;; *) args+=(\"$a\");; esac; done; "
                + "exec /usr/bin/etcdctl --endpoints=" + etcd.endpoint() + " --command-timeout=5s \"${args[@]}\";; "
                + "*) exit 1;; esac");
    }

    static boolean hasMember(LocalEtcd etcd, String text) {
        return etcd.memberList().stream().anyMatch(l -> l.contains(text));
    }

    @Test
    void aDeadControlPlaneNodesMemberIsRemovedByName() {
        try (LocalEtcd etcd = new LocalEtcd(List.of("k8s-master1", "k8s-master2", "k8s-master3"))) {
            etcd.kill("k8s-master3");  // the node is gone: kubeadm reset on it could not reach its etcd
            ScriptHarness.Run run = firstControlPlaneNode(etcd).run(NodeScripts.deleteNode(CONFIG, MASTER3));
            assertEquals(0, run.exitCode(), run.stderr());
            assertTrue(run.stderr().contains("removed the etcd member") && run.stderr().contains("of k8s-master3"), run.stderr());
            assertFalse(hasMember(etcd, "k8s-master3"), etcd.memberList().toString());
            assertEquals(2, etcd.memberList().size(), "k8s-master1 and k8s-master2 remain: " + etcd.memberList());
        }
    }

    @Test
    void aMemberThatNeverStartedIsRemovedByItsPeerUrl() {
        try (LocalEtcd etcd = new LocalEtcd(List.of("k8s-master1", "k8s-master2", "k8s-master4"))) {
            // kubeadm join added k8s-master3's member, then failed before its etcd started: the member has no name.
            etcd.etcdctlUntilOk("member", "add", "k8s-master3", "--peer-urls=https://127.0.0.13:2380");
            assertTrue(hasMember(etcd, "unstarted"), etcd.memberList().toString());
            ScriptHarness.Run run = firstControlPlaneNode(etcd).run(NodeScripts.deleteNode(CONFIG, MASTER3));
            assertEquals(0, run.exitCode(), run.stderr());
            assertFalse(hasMember(etcd, "https://127.0.0.13:2380"), etcd.memberList().toString());
            assertEquals(3, etcd.memberList().size());
        }
    }

    @Test
    void aMemberAlreadyRemovedByKubeadmResetLeavesNothingToDo() {
        try (LocalEtcd etcd = new LocalEtcd(List.of("k8s-master1", "k8s-master3"))) {
            ScriptHarness.Run run = firstControlPlaneNode(etcd).run(NodeScripts.deleteNode(CONFIG, MASTER2));
            assertEquals(0, run.exitCode(), run.stderr());
            assertFalse(run.calls().stream().anyMatch(c -> c.contains("member remove")), run.calls().toString());
            assertEquals(2, etcd.memberList().size());
        }
    }

    /**
     * etcd 3.6 (kubeadm's etcd from Kubernetes 1.34 on) prints more columns in {@code endpoint status -w simple} than
     * the 3.4 this machine runs: "endpoint, ID, version, storage version, db size, in use, ..., is leader, ..."
     * (etcd-io/etcd v3.6 etcdctl/ctlv3/command/printer.go makeEndpointStatusTable). The hand-over reads only the ID,
     * second in every version, and learns from {@code move-leader} itself whether the leaving member leads.
     */
    @Test
    void theLeadershipLeavesWithEtcd36sStatusTableAndStaysWhenTheLeavingMemberDoesNotLead() {
        for (boolean leads : List.of(true, false)) {
            ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "case \"$*\" in "
                    + "*' delete node '*) exit 0;; "
                    + "*'member list'*) echo '8e9e05c52164694d, started, k8s-master1, https://127.0.0.11:2380, https://127.0.0.11:2379, false'; "
                    + "echo '91bc3c398fb3c146, started, k8s-master3, https://127.0.0.13:2380, https://127.0.0.13:2379, false';; "
                    + "*'--endpoints=https://127.0.0.1:2379 '*'endpoint status -w simple') "
                    + "echo 'https://127.0.0.1:2379, 8e9e05c52164694d, 3.6.5, 3.6.0, 25 kB, 16 kB, 36%, 2.1 GB, false, false, 4, 53, 53, , false, 0';; "
                    + "*'--endpoints=https://127.0.0.13:2379 '*'move-leader 8e9e05c52164694d') "
                    + (leads ? "echo 'Leadership transferred from 91bc3c398fb3c146 to 8e9e05c52164694d';; "
                            : "echo 'Error: no leader endpoint given at [https://127.0.0.13:2379]' >&2; exit 3;; ")
                    + "*'member remove 91bc3c398fb3c146') echo 'Member 91bc3c398fb3c146 removed';; "
                    + "*) exit 1;; esac");
            ScriptHarness.Run run = h.run(NodeScripts.deleteNode(CONFIG, MASTER3));
            assertEquals(0, run.exitCode(), run.stderr());
            assertTrue(run.stderr().contains(leads
                    ? "moved etcd's leadership from https://127.0.0.13:2379 to https://127.0.0.1:2379 before its removal"
                    : "the member at https://127.0.0.13:2379 does not lead etcd"), run.stderr());
            List<String> calls = run.calls();
            int moved = indexOf(calls, "move-leader 8e9e05c52164694d");
            int removed = indexOf(calls, "member remove 91bc3c398fb3c146");
            assertTrue(moved >= 0 && moved < removed, "the hand-over before the removal: " + calls);
        }
    }

    private static int indexOf(List<String> calls, String text) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aWorkersRemovalAsksEtcdNothing() {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "case \"$*\" in *' delete node '*) exit 0;; *) exit 1;; esac");
        ScriptHarness.Run run = h.run(NodeScripts.deleteNode(CONFIG, NodeScriptsTest.WORKER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.calls().stream().anyMatch(c -> c.contains("etcdctl")), run.calls().toString());
    }
}
