package dev.kubeha.scripts;

import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ScriptHarness;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.kubeha.scripts.NodeScriptsTest.CONFIG;
import static dev.kubeha.scripts.NodeScriptsTest.HASH;
import static dev.kubeha.scripts.NodeScriptsTest.KEY;
import static dev.kubeha.scripts.NodeScriptsTest.MASTER1;
import static dev.kubeha.scripts.NodeScriptsTest.MASTER2;
import static dev.kubeha.scripts.NodeScriptsTest.TOKEN;
import static dev.kubeha.scripts.NodeScriptsTest.WORKER1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code pulumi up} that failed half-way through kubeadm init or join, then run again, finishes the job.
 * The stand-in kubeadm below goes through kubeadm's phases in kubeadm's order (kubernetes/kubernetes
 * cmd/kubeadm/app/cmd/init.go and join.go register them: preflight, certs, kubeconfig, etcd, control-plane,
 * wait-control-plane, upload-config, upload-certs, mark-control-plane, bootstrap-token, kubelet-finalize, addon;
 * join: preflight, control-plane-prepare, kubelet-start, control-plane-join), writing each phase's files on the
 * node and its objects in a pretend cluster, and can be told to fail at any phase.
 */
@Execution(ExecutionMode.CONCURRENT)
class RetryScriptsTest {
    static final List<String> INIT_PHASES = List.of("preflight", "certs", "kubeconfig", "etcd", "control-plane",
            "wait-control-plane", "upload-config", "upload-certs", "mark-control-plane", "bootstrap-token",
            "kubelet-finalize", "addon");

    /**
     * A node with a stand-in kubeadm: {@code init} and {@code join} run the phases, stopping with an error at the
     * phase named in {@code $ROOT/fail-at} (if any); {@code reset} removes what they made. kubectl answers from
     * the pretend cluster ({@code $ROOT/cluster/<object>}) while its API is up ({@code $ROOT/cluster/readyz}), curl
     * from {@code $ROOT/cluster/readyz}; a finished control-plane join leaves kubeadm's control-plane label.
     */
    static ScriptHarness node() {
        String phase = "p() { [ \"$(cat \"$KUBEHA_ROOT/fail-at\" 2>/dev/null)\" != \"$1\" ] || { echo \"error execution phase $1\" >&2; exit 1; }; }; "
                + "k=\"$KUBEHA_ROOT/etc/kubernetes\"; c=\"$KUBEHA_ROOT/cluster\"; mkdir -p \"$c\"; ";
        String init = "p preflight; mkdir -p \"$k/pki\" \"$k/manifests\"; touch \"$k/pki/ca.crt\"; p certs; "
                + "touch \"$k/admin.conf\" \"$k/kubelet.conf\"; p kubeconfig; "
                + "echo '    - --initial-cluster-state=new' >\"$k/manifests/etcd.yaml\"; mkdir -p \"$KUBEHA_ROOT/var/lib/etcd/member\"; p etcd; "
                + "touch \"$k/manifests/kube-apiserver.yaml\"; p control-plane; echo \"$NODE\" >\"$c/readyz\"; touch \"$c/node-$NODE\"; p wait-control-plane; "
                + "touch \"$c/kubeadm-config\"; p upload-config; touch \"$c/kubeadm-certs\"; p upload-certs; p mark-control-plane; "
                + "touch \"$c/cluster-info\"; p bootstrap-token; p kubelet-finalize; touch \"$c/coredns\"; p addon; touch \"$c/kube-proxy\"";
        String join = "p preflight; mkdir -p \"$k/pki\" \"$k/manifests\"; p control-plane-prepare; touch \"$k/kubelet.conf\" \"$c/node-$NODE\"; p kubelet-start; "
                + "[ \"$CP\" = true ] && { echo '    - --initial-cluster-state=existing' >\"$k/manifests/etcd.yaml\"; touch \"$k/admin.conf\"; }; "
                + "p control-plane-join; [ \"$CP\" = true ] && touch \"$c/etcd-$NODE\" \"$c/label-$NODE\"; true";
        String reset = "rm -rf \"$k\" \"$KUBEHA_ROOT/var/lib/etcd\" \"$c/node-$NODE\" \"$c/etcd-$NODE\" \"$c/label-$NODE\"; "
                + "[ \"$(cat \"$c/readyz\" 2>/dev/null)\" != \"$NODE\" ] || rm -f \"$c/readyz\"";
        return new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubeadm", phase + "case \"$1\" in version) echo v1.31.4;; init) " + init + ";; join) " + join
                        + ";; reset) " + reset + ";; esac")
                .stub("kubectl", "c=\"$KUBEHA_ROOT/cluster\"; [ -f \"$c/readyz\" ] || exit 1; case \"$*\" in "
                        + "*--raw*) ;; *metadata.labels*) for a; do :; done; [ -f \"$c/node-$a\" ] || exit 1; "
                        + "[ ! -f \"$c/label-$a\" ] || echo '{\"node-role.kubernetes.io/control-plane\":\"\"}';; "
                        + "*'get nodes '*) cd \"$c\" && for f in node-*; do [ ! -f \"$f\" ] || printf '%s ' \"${f#node-}\"; done;; "
                        + "*'get node '*) for a; do :; done; [ -f \"$c/node-$a\" ];; "
                        + "*pod/etcd-*) n=\"$*\"; n=\"${n##*pod/etcd-}\"; [ -f \"$c/etcd-${n%% *}\" ];; "
                        + "*) for a; do :; done; [ -f \"$c/$a\" ];; esac")
                .stub("curl", "case \"$*\" in *http_code*) printf 000; exit 7;; *readyz*) [ -f \"$KUBEHA_ROOT/cluster/readyz\" ] && echo ok;; esac")
                .stub("openssl", "cat >/dev/null 2>&1; case \"$1\" in dgst) echo 'SHA2-256(stdin)= " + "ab".repeat(32) + "';; *) echo x;; esac")
                .stubs("sleep");
    }

    static ScriptHarness.Run run(ScriptHarness h, String script, String node, boolean controlPlane) {
        return h.run(script, java.util.Map.of("NODE", node, "CP", Boolean.toString(controlPlane)));
    }

    static void failAt(ScriptHarness h, String phase) throws Exception {
        Path f = h.root().resolve("fail-at");
        if (phase == null) {
            Files.deleteIfExists(f);
        } else {
            Files.writeString(f, phase);
        }
    }

    @ParameterizedTest(name = "kubeadm init fails at {0}, then pulumi up again")
    @ValueSource(strings = {"preflight", "certs", "kubeconfig", "etcd", "control-plane", "wait-control-plane",
            "upload-config", "upload-certs", "mark-control-plane", "bootstrap-token", "kubelet-finalize", "addon"})
    void anInitThatFailedAtAnyPhaseIsFinishedByTheNextRun(String phase) throws Exception {
        ScriptHarness h = node();
        failAt(h, phase);
        ScriptHarness.Run failed = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertNotEquals(0, failed.exitCode());
        assertTrue(failed.stderr().contains("kubeadm init failed") && failed.stderr().contains("Run pulumi up again"), failed.stderr());
        assertFalse(failed.stdout().contains("KUBEHA_CA_CERT_HASH"), "no CA hash for the joins from a failed init");

        failAt(h, null);
        ScriptHarness.Run retry = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertEquals(0, retry.exitCode(), retry.stderr());
        boolean leftState = INIT_PHASES.indexOf(phase) >= INIT_PHASES.indexOf("kubeconfig");
        assertEquals(leftState, retry.called("kubeadm reset -f"), "reset exactly when the failed init left state: " + retry.calls());
        assertTrue(retry.called("kubeadm init --config"), retry.calls().toString());
        for (String object : List.of("kubeadm-config", "cluster-info", "coredns", "kube-proxy")) {
            assertTrue(Files.exists(h.root().resolve("cluster/" + object)), object + " exists after the retry");
        }
        assertEquals(HASH.replace("12", "ab"), NodeScripts.parseCaCertHash(retry.stdout()));

        ScriptHarness.Run again = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.called("kubeadm init") || again.called("kubeadm reset"), "finished: nothing runs again: " + again.calls());
    }

    @Test
    void anInitThatFinishedButLostItsMarkerIsKeptNotReset() throws Exception {
        // kubeadm exited 0 but the SSH session dropped before the marker was written, or an earlier kubeha built it.
        ScriptHarness h = node();
        assertEquals(0, run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true).exitCode());
        Files.delete(h.root().resolve("var/lib/kubeha/kubeadm-init-done"));
        ScriptHarness.Run run = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.called("kubeadm reset") || run.called("kubeadm init"), run.calls().toString());
        assertTrue(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-init-done")));
    }

    @Test
    void aClusterInitialisedByAnEarlierKubehaIsNeverReset() throws Exception {
        // Before this change the marker was written before kubeadm init ran, under another name.
        ScriptHarness h = node();
        assertEquals(0, run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true).exitCode());
        Path state = h.root().resolve("var/lib/kubeha");
        Files.move(state.resolve("kubeadm-init-done"), state.resolve("initialised-here"));
        Files.delete(h.root().resolve("cluster/readyz"));  // its API is down for now
        ScriptHarness.Run down = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertNotEquals(0, down.exitCode());
        assertTrue(down.stderr().contains("kubeha will not reset it"), down.stderr());
        assertFalse(down.called("kubeadm reset") || down.called("kubeadm init"), down.calls().toString());

        Files.writeString(h.root().resolve("cluster/readyz"), "");
        ScriptHarness.Run up = run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true);
        assertEquals(0, up.exitCode(), up.stderr());
        assertFalse(up.called("kubeadm reset") || up.called("kubeadm init"), up.calls().toString());
        assertTrue(Files.exists(state.resolve("kubeadm-init-done")), "adopted");
    }

    @Test
    void initRefusesOnANodeThatJoinedAsControlPlaneEvenWithoutMarkers() throws Exception {
        // k8s-master2 joined (its etcd joined an existing cluster) and the first entry of controlPlaneNodes was removed.
        ScriptHarness h = node();
        Path manifests = Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        Files.writeString(manifests.resolve("etcd.yaml"), "    - --initial-cluster-state=existing\n");
        Files.writeString(h.root().resolve("etc/kubernetes/admin.conf"), "joined\n");
        ScriptHarness.Run run = run(h, NodeScripts.init(CONFIG, MASTER2, TOKEN, KEY), "k8s-master2", true);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("k8s-master2 joined an existing cluster"), run.stderr());
        assertFalse(run.called("kubeadm"), run.calls().toString());
    }

    @Test
    void initRefusesOnAnUpgradedControlPlaneNodeThatJoinedUnderAnEarlierKubeha() throws Exception {
        // k8s-master2 joined under an earlier kubeha (no join marker); kubeadm upgrade rewrote its etcd manifest
        // without --initial-cluster-state=existing; then the first entry of controlPlaneNodes was removed.
        ScriptHarness h = node();
        assertEquals(0, run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true).exitCode());
        Files.writeString(h.root().resolve("cluster/node-k8s-master2"), "");
        Files.delete(h.root().resolve("var/lib/kubeha/kubeadm-init-done"));
        ScriptHarness.Run run = run(h, NodeScripts.init(CONFIG, MASTER2, TOKEN, KEY), "k8s-master2", true);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("k8s-master2 joined an existing cluster"), run.stderr());
        assertFalse(run.called("kubeadm reset") || run.called("kubeadm init"), run.calls().toString());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-init-done")), "not adopted as the cluster's initialiser");
    }

    @ParameterizedTest(name = "a control-plane join fails at {0}, then pulumi up again")
    @ValueSource(strings = {"preflight", "control-plane-prepare", "kubelet-start", "control-plane-join"})
    void aControlPlaneJoinThatFailedAtAnyPhaseIsFinishedByTheNextRun(String phase) throws Exception {
        ScriptHarness h = node();
        Files.createDirectories(h.root().resolve("cluster"));
        Files.writeString(h.root().resolve("cluster/readyz"), "");  // the cluster is up (through the VIP)
        failAt(h, phase);
        String script = NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY);
        ScriptHarness.Run failed = run(h, script, "k8s-master2", true);
        assertNotEquals(0, failed.exitCode());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-join-done")), "not a member after a failed join");

        failAt(h, null);
        ScriptHarness.Run retry = run(h, script, "k8s-master2", true);
        assertEquals(0, retry.exitCode(), retry.stderr());
        boolean leftState = !phase.equals("preflight") && !phase.equals("control-plane-prepare");
        assertEquals(leftState, retry.called("kubeadm reset -f"), "kubelet.conf alone is no membership: " + retry.calls());
        assertTrue(retry.called("kubeadm join --config"), retry.calls().toString());
        assertTrue(Files.exists(h.root().resolve("cluster/etcd-k8s-master2")), "its etcd member is there after the retry");

        ScriptHarness.Run again = run(h, script, "k8s-master2", true);
        assertFalse(again.called("kubeadm join") || again.called("kubeadm reset"), again.calls().toString());
    }

    /** A node that joined a running cluster, whose marker is gone (lost, or an earlier kubeha never wrote it). */
    static ScriptHarness joinedWithoutMarker(String script, String node, boolean controlPlane) throws Exception {
        ScriptHarness h = node();
        Files.createDirectories(h.root().resolve("cluster"));
        Files.writeString(h.root().resolve("cluster/readyz"), "");
        assertEquals(0, run(h, script, node, controlPlane).exitCode());
        Files.delete(h.root().resolve("var/lib/kubeha/kubeadm-join-done"));
        return h;
    }

    @Test
    void aJoinedWorkerWithoutItsMarkerIsKept() throws Exception {
        // Joined by an earlier kubeha (kubelet.conf, registered) or the marker was lost: never reset a member.
        String script = NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH);
        ScriptHarness h = joinedWithoutMarker(script, "k8s-worker1", false);
        ScriptHarness.Run run = run(h, script, "k8s-worker1", false);
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.called("kubeadm reset") || run.called("kubeadm join"), run.calls().toString());
        assertTrue(run.stderr().contains("already joined (k8s-worker1 is registered)"), run.stderr());
    }

    @Test
    void aJoinedWorkerWithoutItsMarkerIsNotResetWhileTheApiDoesNotAnswer() throws Exception {
        // An earlier kubeha's worker (no marker) whose join step runs again while the VIP is down: it may be a member.
        String script = NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH);
        ScriptHarness h = joinedWithoutMarker(script, "k8s-worker1", false);
        Files.delete(h.root().resolve("cluster/readyz"));
        ScriptHarness.Run down = run(h, script, "k8s-worker1", false);
        assertNotEquals(0, down.exitCode());
        assertTrue(down.stderr().contains("does not answer to tell whether it finished; kubeha resets no node that may be a member"),
                down.stderr());
        assertFalse(down.called("kubeadm reset") || down.called("kubeadm join"), down.calls().toString());

        Files.writeString(h.root().resolve("cluster/readyz"), "");
        ScriptHarness.Run up = run(h, script, "k8s-worker1", false);
        assertEquals(0, up.exitCode(), up.stderr());
        assertFalse(up.called("kubeadm reset") || up.called("kubeadm join"), "kept once the API answers: " + up.calls());
    }

    @Test
    void aControlPlaneNodeThatFinishedItsJoinIsNotResetWhenItsEtcdMemberIsUnhealthy() throws Exception {
        // Joined (kubeadm labelled it), the marker lost or never written by an earlier kubeha, its etcd not Ready now.
        String script = NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY);
        ScriptHarness h = joinedWithoutMarker(script, "k8s-master2", true);
        Files.delete(h.root().resolve("cluster/etcd-k8s-master2"));
        ScriptHarness.Run run = run(h, script, "k8s-master2", true);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("k8s-master2 finished kubeadm join") && run.stderr().contains("kubeha does not reset a member"),
                run.stderr());
        assertFalse(run.called("kubeadm reset") || run.called("kubeadm join"), run.calls().toString());
    }

    @Test
    void resetForgetsMembership() throws Exception {
        ScriptHarness h = node();
        assertEquals(0, run(h, NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY), "k8s-master1", true).exitCode());
        assertEquals(0, run(h, NodeScripts.reset(CONFIG, MASTER1), "k8s-master1", true).exitCode());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-init-done")));
    }
}
