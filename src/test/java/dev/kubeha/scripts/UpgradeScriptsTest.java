package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upgrade steps, run with bash against recording stubs: {@code <node>-upgrade} on a node that runs one version
 * and is asked for another, and {@code <node>-cordon} / {@code <node>-uncordon} around it.
 */
@Execution(ExecutionMode.CONCURRENT)
class UpgradeScriptsTest {
    static ClusterConfig version(String v) {
        return Stacks.config("vagrant", Map.of("kubernetesVersion", v));
    }

    static final Node MASTER1 = Stacks.vagrant().controlPlane().get(0);
    static final Node MASTER2 = Stacks.vagrant().controlPlane().get(1);
    static final Node WORKER1 = Stacks.vagrant().workers().get(0);

    /** A cluster member whose kubelet, kubeadm and kubectl are at {@code version}; package tools record versions. */
    static ScriptHarness memberAt(String osRelease, String version) {
        ScriptHarness h = new ScriptHarness(osRelease);
        String state = h.dir().resolve("state").toString();
        try {
            for (String p : List.of("kubelet", "kubeadm", "kubectl")) {
                Files.writeString(h.dir().resolve("state.ver-" + p), version + "-1.1\n");
            }
            Files.createDirectories(h.root().resolve("etc/kubernetes"));
            Files.writeString(h.root().resolve("etc/kubernetes/kubelet.conf"), "joined\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdBackupScriptsTest.withStandInSnapshotCommand(h, "exit 0");
        return h.stub("dpkg-query", "for last; do :; done; cat " + state + ".ver-\"$last\" 2>/dev/null || exit 1")
                .stub("rpm", "for last; do :; done; v=\"$(cat " + state + ".ver-\"$last\" 2>/dev/null)\" "
                        + "|| { echo \"package $last is not installed\"; exit 1; }; echo \"${v%%-*}\"")
                .stub("apt-get", "[ \"$1\" = -o ] && shift 2; for a; do case \"$a\" in *=*) v=\"${a#*=}\"; echo \"${v%-\\*}-1.1\" >" + state + ".ver-\"${a%%=*}\";; esac; done")
                .stub("dnf", "case \"$1\" in list) printf 'kubeadm.x86_64 1.32.0-150500.1.1 kubernetes\\nkubeadm.x86_64 1.32.3-150500.1.1 kubernetes\\n';; "
                        + "install) for a; do case \"$a\" in kube*-[0-9]*) p=\"${a%%-[0-9]*}\"; echo \"${a#\"$p\"-}-1\" >" + state + ".ver-\"$p\";; esac; done;; esac")
                .stub("apt-cache", "[ \"$1\" = madison ] && printf ' kubeadm | 1.32.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.32/deb  Packages\\n kubeadm | 1.32.1-1.1 | https://pkgs.k8s.io/core:/stable:/v1.32/deb  Packages\\n'")
                .stub("kubeadm", "case \"$1\" in version) v=\"$(cat " + state + ".ver-kubeadm)\"; echo \"v${v%%-*}\";; esac")
                .stub("curl", "case \"$*\" in *readyz*) echo ok;; *) printf '%s\\n' " + ScriptHarness.shellQuote(ScriptHarness.SIGNING_KEY) + ";; esac")
                .stubs("apt-mark", "systemctl", "sleep");
    }

    static int indexOf(ScriptHarness.Run run, String prefix) {
        for (int i = 0; i < run.calls().size(); i++) {
            if (run.calls().get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no call '" + prefix + "' in " + run.calls());
    }

    @Test
    void renderedScriptsAreGoldenAndShellcheckClean() {
        Map<String, String> scripts = Map.of(
                "upgrade-k8s-master1.sh", NodeScripts.upgrade(version("1.32.1"), MASTER1, true),
                "cordon-k8s-worker1.sh", NodeScripts.cordon(version("1.32.1"), WORKER1),
                "uncordon-k8s-worker1.sh", NodeScripts.uncordon(version("1.32.1"), WORKER1));
        scripts.forEach((name, script) -> {
            Golden.assertMatches("UpgradeScriptsTest", name, script);
            ShellcheckTest.assertRenderedScriptClean(name, script);
        });
    }

    @Test
    void theFirstNodeUpgradesKubeadmThenAppliesThenMovesTheKubeletAndASecondRunDoesNothing() throws Exception {
        ScriptHarness h = memberAt(ScriptHarness.UBUNTU, "1.31.4");
        ScriptHarness.Run run = h.run(NodeScripts.upgrade(version("1.32.1"), MASTER1, true));
        assertEquals(0, run.exitCode(), run.stderr());
        int kubeadm = indexOf(run, "apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades kubeadm=1.32.1-*");
        int apply = indexOf(run, "kubeadm upgrade apply -y v1.32.1");
        int kubelet = indexOf(run, "apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades kubelet=1.32.1-* kubectl=1.32.1-*");
        int restart = indexOf(run, "systemctl restart kubelet");
        assertTrue(kubeadm < apply && apply < kubelet && kubelet < restart, "kubeadm's order: " + run.calls());
        assertTrue(run.called("curl -sk --max-time 5 https://192.168.56.10:6443/readyz"), "waits for its API server");
        assertTrue(Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")).contains("/v1.32/deb/"));

        ScriptHarness.Run again = h.run(NodeScripts.upgrade(version("1.32.1"), MASTER1, true));
        assertEquals(0, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("k8s-master1 runs Kubernetes 1.32.1"), again.stderr());
        assertFalse(again.called("apt-get") || again.called("kubeadm upgrade") || again.called("systemctl"), again.calls().toString());
    }

    /** A load balancer's stats CSV (HAProxy's columns: 1 backend, 2 server, 18 status) that counts k8s-master2 UP. */
    static final String STATS_CSV = "*';csv'*) printf '%s\\n' 'kube-apiservers,k8s-master2" + ",0".repeat(15) + ",UP';;";

    /** A control-plane member with the load balancers' credentials; each LB's stats page answers {@code answer}. */
    static ScriptHarness withLoadBalancers(ScriptHarness h, String answer) throws IOException {
        Files.createDirectories(h.root().resolve("etc/kubeha"));
        Files.writeString(h.root().resolve("etc/kubeha/lb-admin.curlrc"),
                dev.kubeha.render.lb.LoadBalancerScripts.curlConfig(version("1.32.1"), "s3cret-canary"));
        return h.stub("curl", "case \"$*\" in *readyz*) echo ok;; *action=*) printf '%s' " + ScriptHarness.shellQuote(answer)
                + ";; " + STATS_CSV + " *) printf '%s\\n' " + ScriptHarness.shellQuote(ScriptHarness.SIGNING_KEY) + ";; esac");
    }

    @Test
    void aControlPlaneNodeIsDrainedOnEveryLoadBalancerBeforeKubeadmRestartsItsApiServerAndReadyAfter() throws Exception {
        ScriptHarness h = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "303 http://192.168.56.5:8404/stats;st=DONE");
        ScriptHarness.Run run = h.run(NodeScripts.upgrade(version("1.32.1"), MASTER2, false));
        assertEquals(0, run.exitCode(), run.stderr());
        String stats = " --data b=kube-apiservers&s=k8s-master2&action=";
        int drain1 = indexOf(run, "curl -sS -o /dev/null -w %{http_code} %{redirect_url} --max-time 5 -K " + h.root().resolve("etc/kubeha/lb-admin.curlrc")
                + stats + "drain http://192.168.56.5:8404/stats");
        int drain2 = indexOf(run, "curl -sS -o /dev/null -w %{http_code} %{redirect_url} --max-time 5 -K " + h.root().resolve("etc/kubeha/lb-admin.curlrc")
                + stats + "drain http://192.168.56.6:8404/stats");
        int upgrade = indexOf(run, "kubeadm upgrade node");
        int ready = indexOf(run, "curl -sk --max-time 5 https://192.168.56.11:6443/readyz");
        int back1 = indexOf(run, "curl -sS -o /dev/null -w %{http_code} %{redirect_url} --max-time 5 -K " + h.root().resolve("etc/kubeha/lb-admin.curlrc")
                + stats + "ready http://192.168.56.5:8404/stats");
        int back2 = indexOf(run, "curl -sS -o /dev/null -w %{http_code} %{redirect_url} --max-time 5 -K " + h.root().resolve("etc/kubeha/lb-admin.curlrc")
                + stats + "ready http://192.168.56.6:8404/stats");
        assertTrue(drain1 < upgrade && drain2 < upgrade && upgrade < ready && ready < back1 && ready < back2, run.calls().toString());
        assertTrue(run.stderr().contains("k8s-master2: ready on load balancer 192.168.56.6"), run.stderr());
        assertTrue(run.called("curl -sS --max-time 5 -K " + h.root().resolve("etc/kubeha/lb-admin.curlrc")
                + " http://192.168.56.6:8404/stats;csv"), "waits until each load balancer counts it UP: " + run.calls());
        assertFalse(run.calls().toString().contains("s3cret-canary"), "the stats password is on no command line");
        assertFalse(run.stderr().contains("s3cret-canary"), "nor in the log");
    }

    @Test
    void aLoadBalancerThatRefusesTheDrainStopsTheUpgradeBeforeKubeadmAndADeadOneIsPassedOver() throws Exception {
        ScriptHarness refused = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "401 ");
        ScriptHarness.Run run = refused.run(NodeScripts.upgrade(version("1.32.1"), MASTER2, false));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("load balancer 192.168.56.5 did not set k8s-master2 to drain (answer: 401 )"), run.stderr());
        assertTrue(run.stderr().contains("the load balancers did not drain k8s-master2's API server; nothing was upgraded"), run.stderr());
        assertFalse(run.called("kubeadm upgrade"), run.calls().toString());

        ScriptHarness dead = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "303 http://x/stats;st=DONE")
                .stub("curl", "case \"$*\" in *readyz*) echo ok;; *192.168.56.6:8404*) echo 'curl: (7) Failed to connect' >&2; exit 7;; "
                        + "*action=*) printf '303 http://x/stats;st=DONE';; " + STATS_CSV + " *) printf '%s\\n' "
                        + ScriptHarness.shellQuote(ScriptHarness.SIGNING_KEY) + ";; esac");
        ScriptHarness.Run passed = dead.run(NodeScripts.upgrade(version("1.32.1"), MASTER2, false));
        assertEquals(0, passed.exitCode(), passed.stderr());
        assertTrue(passed.stderr().contains("load balancer 192.168.56.6 does not answer"), passed.stderr());
        assertTrue(passed.called("kubeadm upgrade node"));
    }

    /**
     * kubeadm fails after the drain: an API server that still answers /readyz goes back into rotation (else the LBs
     * would run without it until the next run), one that does not stays drained; the step fails either way.
     */
    @Test
    void aFailedUpgradePutsBackAnApiServerThatStillServesAndLeavesADeadOneDrained() throws Exception {
        String failingKubeadm = "case \"$1\" in version) echo v1.32.1;; upgrade) echo 'preflight: etcd unhealthy' >&2; exit 1;; esac";
        ScriptHarness serving = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "303 http://192.168.56.5:8404/stats;st=DONE")
                .stub("kubeadm", failingKubeadm);
        String back = "curl -sS -o /dev/null -w %{http_code} %{redirect_url} --max-time 5 -K " + serving.root().resolve("etc/kubeha/lb-admin.curlrc")
                + " --data b=kube-apiservers&s=k8s-master2&action=ready http://192.168.56.5:8404/stats";
        ScriptHarness.Run run = serving.run(NodeScripts.upgrade(version("1.32.1"), MASTER2, false));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("kubeadm upgrade node failed on k8s-master2"), run.stderr());
        assertTrue(indexOf(run, "kubeadm upgrade node") < indexOf(run, back), "back on the LBs after the failure: " + run.calls());
        assertTrue(run.stderr().contains("k8s-master2's API server answers /readyz: back on the load balancers although this step failed"),
                run.stderr());

        ScriptHarness down = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "303 http://192.168.56.5:8404/stats;st=DONE")
                .stub("kubeadm", failingKubeadm)
                .stub("curl", "case \"$*\" in *readyz*) exit 7;; *action=*) printf '303 http://x/stats;st=DONE';; " + STATS_CSV
                        + " *) printf '%s\\n' " + ScriptHarness.shellQuote(ScriptHarness.SIGNING_KEY) + ";; esac");
        ScriptHarness.Run left = down.run(NodeScripts.upgrade(version("1.32.1"), MASTER2, false));
        assertNotEquals(0, left.exitCode());
        assertFalse(left.calls().stream().anyMatch(c -> c.contains("action=ready")), left.calls().toString());
        assertTrue(left.stderr().contains("k8s-master2's API server does not answer /readyz: it stays drained on the load balancers"),
                left.stderr());
    }

    @Test
    void aWorkerTouchesNoLoadBalancer() throws Exception {
        ScriptHarness h = withLoadBalancers(memberAt(ScriptHarness.UBUNTU, "1.31.4"), "303 http://x/stats;st=DONE");
        ScriptHarness.Run run = h.run(NodeScripts.upgrade(version("1.32.1"), WORKER1, false));
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.calls().toString().contains("action="), run.calls().toString());
    }

    @Test
    void aRhelNodeWithoutAKubeletSaysSo() throws Exception {
        ScriptHarness h = memberAt(ScriptHarness.ROCKY, "1.31.4");
        Files.delete(h.dir().resolve("state.ver-kubelet"));  // rpm -q kubelet: "package kubelet is not installed", on stdout
        ScriptHarness.Run run = h.run(NodeScripts.upgrade(version("1.32"), WORKER1, false));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("the kubelet is not installed on k8s-worker1"), run.stderr());
    }

    @Test
    void anotherNodeRunsKubeadmUpgradeNodeAndAMinorMeansItsNewestPatch() {
        ScriptHarness.Run worker = memberAt(ScriptHarness.ROCKY, "1.31.4").run(NodeScripts.upgrade(version("1.32"), WORKER1, false));
        assertEquals(0, worker.exitCode(), worker.stderr());
        assertTrue(worker.called("dnf install -y -q --disableexcludes=kubernetes kubeadm-1.32.3"), worker.calls().toString());
        assertTrue(worker.called("kubeadm upgrade node"), worker.calls().toString());
        assertFalse(worker.called("kubeadm upgrade apply"));
        assertTrue(worker.called("dnf install -y -q --disableexcludes=kubernetes kubelet-1.32.3 kubectl-1.32.3"), worker.calls().toString());
        assertFalse(worker.called("curl -sk"), "a worker has no API server to wait for");

        ScriptHarness.Run master = memberAt(ScriptHarness.UBUNTU, "1.31.4").run(NodeScripts.upgrade(version("1.32"), MASTER2, false));
        assertEquals(0, master.exitCode(), master.stderr());
        assertTrue(master.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades kubeadm=1.32.3-*"), master.calls().toString());
        assertTrue(master.called("kubeadm upgrade node"));
    }

    @Test
    void skippingAMinorOrGoingDownIsRefusedBeforeAnythingChanges() {
        for (String target : List.of("1.33", "1.30", "1.31.2")) {
            ScriptHarness.Run run = memberAt(ScriptHarness.UBUNTU, "1.31.4").run(NodeScripts.upgrade(version(target), MASTER1, true));
            assertNotEquals(0, run.exitCode(), target);
            assertTrue(run.stderr().contains("k8s-master1 runs Kubernetes 1.31.4; kubeadm upgrades one minor version at a time "
                    + "and never down, so kubernetesVersion " + target + " cannot follow"), run.stderr());
            assertFalse(run.called("apt-get") || run.called("kubeadm upgrade"), target + ": " + run.calls());
        }
    }

    @Test
    void aFailedKubeadmUpgradeStopsBeforeTheKubelet() {
        ScriptHarness h = memberAt(ScriptHarness.UBUNTU, "1.31.4")
                .stub("kubeadm", "case \"$1\" in version) echo v1.32.1;; upgrade) echo 'preflight: etcd unhealthy' >&2; exit 1;; esac");
        ScriptHarness.Run run = h.run(NodeScripts.upgrade(version("1.32.1"), MASTER1, true));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("kubeadm upgrade apply v1.32.1 failed on k8s-master1"), run.stderr());
        assertFalse(run.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades kubelet"), run.calls().toString());
    }

    /** The first control-plane node's kubectl, with the worker's kubelet at {@code kubelet} and kubeha's mark or not. */
    static ScriptHarness apiWith(String kubelet, boolean marked) {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        String state = h.dir().resolve("state").toString();
        try {
            Files.writeString(h.dir().resolve("state.kubelet"), kubelet);
            if (marked) {
                Files.writeString(h.dir().resolve("state.mark"), "true");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return h.stub("kubectl", "case \"$*\" in "
                        + "*kubeletVersion*) cat " + state + ".kubelet;; "
                        + "*drained-for-upgrade}*) cat " + state + ".mark 2>/dev/null || true;; "
                        + "*annotate*drained-for-upgrade=true*) echo true >" + state + ".mark;; "
                        + "*annotate*drained-for-upgrade-*) rm -f " + state + ".mark;; "
                        + "esac; exit 0")
                .stubs("sleep");
    }

    @Test
    void cordonDrainsOnlyANodeThatIsNotOnTheVersionAndMarksIt() throws Exception {
        ScriptHarness.Run current = apiWith("v1.32.1", false).run(NodeScripts.cordon(version("1.32.1"), WORKER1));
        assertEquals(0, current.exitCode(), current.stderr());
        assertFalse(current.calls().stream().anyMatch(c -> c.contains(" drain ") || c.contains(" annotate ")), current.calls().toString());

        ScriptHarness older = apiWith("v1.31.4", false);
        ScriptHarness.Run drained = older.run(NodeScripts.cordon(version("1.32.1"), WORKER1));
        assertEquals(0, drained.exitCode(), drained.stderr());
        assertTrue(drained.calls().stream().anyMatch(c -> c.contains("annotate node k8s-worker1 --overwrite kubeha.dev/drained-for-upgrade=true")),
                drained.calls().toString());
        assertTrue(drained.calls().stream().anyMatch(c -> c.contains("drain k8s-worker1 --ignore-daemonsets")), drained.calls().toString());
        assertEquals("true", Files.readString(older.dir().resolve("state.mark")).trim());
    }

    @Test
    void uncordonReleasesOnlyWhatKubehaDrainedOnceTheNodeIsBackOnTheVersion() throws Exception {
        ScriptHarness.Run notOurs = apiWith("v1.32.1", false).run(NodeScripts.uncordon(version("1.32.1"), WORKER1));
        assertEquals(0, notOurs.exitCode(), notOurs.stderr());
        assertFalse(notOurs.calls().stream().anyMatch(c -> c.contains(" uncordon ")), "a node cordoned by someone else stays cordoned");

        ScriptHarness back = apiWith("v1.32.1", true);
        ScriptHarness.Run released = back.run(NodeScripts.uncordon(version("1.32.1"), WORKER1));
        assertEquals(0, released.exitCode(), released.stderr());
        assertTrue(released.calls().stream().anyMatch(c -> c.contains("uncordon k8s-worker1")), released.calls().toString());
        assertFalse(Files.exists(back.dir().resolve("state.mark")), "kubeha's mark is removed");

        // The wait, shortened from the rendered 600 s to 60 s (12 rounds instead of 120, sleep stubbed): the same
        // script, which a loaded machine then runs within the harness's 120 s.
        String uncordon = NodeScripts.uncordon(version("1.32.1"), WORKER1);
        assertTrue(uncordon.contains("\nTIMEOUT_SECONDS='600'\n"), "the rendered wait");
        ScriptHarness.Run stuck = apiWith("v1.31.4", true).run(uncordon.replace("\nTIMEOUT_SECONDS='600'\n", "\nTIMEOUT_SECONDS='60'\n"));
        assertNotEquals(0, stuck.exitCode());
        assertTrue(stuck.stderr().contains("k8s-worker1 is not Ready on Kubernetes 1.32.1 60s after its upgrade"), stuck.stderr());
        assertFalse(stuck.calls().stream().anyMatch(c -> c.contains("uncordon k8s-worker1")));
    }
}
