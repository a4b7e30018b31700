package dev.kubeha.lab;

import dev.kubeha.Main;
import dev.kubeha.components.WorkerTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole program (Main::stack) on 2 load balancers, 3 control-plane nodes and 2 workers with the stand-in
 * Kubernetes packages, every machine with ufw enabled and {@code firewall: true}, every connection through a bastion
 * (the operator's side can reach only the bastion): the cluster steps in plan order, a second run, a worker removed,
 * an upgrade between two minors, and destroy. SSH must stay reachable throughout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLabTest {
    private static final List<String> NODES = List.of("lb1", "lb2", "cp1", "cp2", "cp3", "worker1", "worker2");
    /**
     * Every run of the scenario on the day it started: the daily certificate checks run again on a new UTC day, so a
     * scenario that crossed midnight (a CI run did) saw its "second run changes nothing" update them.
     */
    private static final LocalDate DAY = Main.today();
    private static MachineLab lab;
    private static StepRunner runner;
    private static Map<String, String> settings;

    @BeforeAll
    static void boot() {
        String reason = MachineLab.unavailableReason();
        assumeTrue(reason == null, reason);
        List<String> all = new java.util.ArrayList<>(NODES);
        all.add("bastion");
        long t0 = System.nanoTime();
        lab = new MachineLab(all);
        long t1 = System.nanoTime();
        runner = new StepRunner(lab.ssh, lab.dir, 900);
        // The operator's hosts come with ufw on, SSH allowed (installed on every machine at once).
        lab.rootOnEach(NODES, "DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive"
                + " apt-get install -y -q --no-install-recommends ufw >/dev/null && ufw allow 22/tcp >/dev/null && ufw --force enable")
                .forEach((m, r) -> assertTrue(r.ok(), m + ": " + r));
        System.out.printf("machine lab: %d machines booted in %.0f s, ufw on in %.0f s%n", all.size(), (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9);
        for (String cp : List.of("cp1", "cp2", "cp3")) {
            StandInApiServer.install(lab, cp, 6443, false);
        }
        lab.onlyThrough("bastion");
        settings = new HashMap<>(lab.kubernetesPackages);
        settings.putAll(Map.of("loadBalancers", MachineLab.nodes("lb1", "lb2"), "controlPlaneNodes", MachineLab.nodes("cp1", "cp2", "cp3"),
                "workers", MachineLab.nodes("worker1", "worker2"), "kubernetesVersion", "1.33", "firewall", "true",
                "bastionHost", MachineLab.address("bastion"), "bastionUser", RootFilesystem.USER, "keepalivedPreemptDelay", "2"));
        // What an operator behind a bastion sets (an ssh -D tunnel); the lab runs no Kubernetes provider, only the steps.
        settings.put("kubernetesApiProxy", "socks5://127.0.0.1:1080");
        // The scenario ends with destroy, which the engine refuses while what holds the cluster is protected; the runner
        // does not model protect (ProtectionTest does, against the engine model), so the stack lifts it from the start.
        settings.put("allowClusterDestroy", "true");
    }

    @AfterAll
    static void tearDown() {
        MachineLab.tearDown(lab, runner);
    }

    @Test
    @Order(1)
    void theClusterStepsRunInPlanOrderThroughTheBastion() {
        assertFalse(lab.network.inHub("bash -c 'exec 3<>/dev/tcp/" + MachineLab.address("cp1") + "/22'", 10).ok(),
                "the operator's side cannot reach cp1 directly");
        StepRunner.Run run = up(settings);
        report("cluster up", run);
        for (StepRunner.Op op : run.ops()) {
            for (String dep : run.dependencies().getOrDefault(op.name(), List.of())) {
                run.ops().stream().filter(d -> d.name().equals(dep)).forEach(d ->
                        assertTrue(d.end() <= op.start(), op.name() + " started before " + dep + " ended"));
            }
        }
        assertTrue(overlap(run, "cp2-prepare", "worker1-prepare"), "independent steps run in parallel");
        assertEquals(List.of(), run.ops().stream().filter(o -> o.name().matches(".*-(cordon|upgrade|uncordon)")).toList(),
                "the upgrade steps open no SSH session while the cluster is built");
        assertEquals(List.of(), run.ops().stream().filter(o -> o.name().matches("worker[0-9]+-credentials")).toList(),
                "a worker's membership record opens no SSH session: its token comes from its batch");
        for (String w : List.of("worker1", "worker2")) {
            assertTrue(run.ops().stream().anyMatch(o -> o.name().equals(WorkerTokens.batchOf(w)) && o.host().equals(MachineLab.address("cp1"))),
                    WorkerTokens.batchOf(w) + " made " + w + "'s token on cp1: " + run.changed());
        }
        assertTrue(standInLog("cp1").contains("kubeadm init --config"), "kubeadm init ran on cp1");
        for (String n : List.of("cp2", "cp3", "worker1", "worker2")) {
            assertTrue(standInLog(n).contains("kubeadm join --config"), "kubeadm join ran on " + n);
        }
        assertEquals(List.of("lb1"), lab.vipHolders(List.of("lb1", "lb2")), "VRRP passes the firewalls: one VIP holder");
        assertEquals("ok", lab.network.inHub("curl -sk --max-time 3 https://" + MachineLab.VIP + ":6443/healthz", 10).output().trim(),
                "the API answers through the VIP");
        assertTrue(ufw("cp1").contains("2379:2380/tcp"), ufw("cp1"));
        assertTrue(ufw("worker1").contains("30000:32767/tcp"), ufw("worker1"));
        assertTrue(ufw("lb1").contains("6443/tcp"), ufw("lb1"));
        assertReachable();
    }

    @Test
    @Order(2)
    void aSecondRunChangesNothingAndEveryStepRunsAgainIdempotently() {
        StepRunner.Run run = up(settings);
        assertEquals(List.of(), run.changed());
        String before = standInLog("cp1");
        for (String step : List.of("cp1-prepare", "cp1-init", "cp2-join", "worker1-join", "lb1-configure", WorkerTokens.batchOf("worker1"))) {
            StepRunner.Run again = runner.rerun(step);
            assertTrue(again.ok(), () -> String.join("\n", again.errors()));
        }
        String after = standInLog("cp1");
        assertFalse(after.substring(before.length()).contains("kubeadm init --config"), "init did not run kubeadm init again");
    }

    @Test
    @Order(3)
    void removingAWorkerTearsDownOnlyThatWorkerAndSshStaysUp() {
        Map<String, String> less = new HashMap<>(settings);
        less.put("workers", MachineLab.nodes("worker1"));
        StepRunner.Run run = up(less);
        report("worker2 removed", run);
        assertFalse(run.ops().isEmpty());
        for (StepRunner.Op op : run.ops()) {
            assertTrue(op.name().startsWith("worker2-") || op.name().equals("cluster-readiness"), "only worker2's steps changed (and the readiness gate, which waits for the nodes there are): " + run.changed());
        }
        assertReachable();
        assertTrue(standInLog("worker2").contains("kubeadm reset"), "kubeadm reset ran on worker2");
        Ssh.Result chains = lab.root("worker2", "iptables -S | grep -c -- '-N KUBE-' || true; ufw status | head -1");
        assertEquals("0\nStatus: active", chains.stdout().trim(), "Kubernetes' chains gone, ufw still on");
        settings = less;
    }

    @Test
    @Order(4)
    void anUpgradeMovesEveryNodeToTheNextMinorThroughRealApt() {
        Map<String, String> next = new HashMap<>(settings);
        next.put("kubernetesVersion", "1.34");
        StepRunner.Run run = up(next);
        report("upgrade to 1.34", run);
        List<String> upgrades = run.ops().stream().filter(o -> o.name().endsWith("-upgrade")).map(StepRunner.Op::name).toList();
        assertEquals(List.of("cp1-upgrade", "cp2-upgrade", "cp3-upgrade", "worker1-upgrade"), upgrades, "one node at a time, control plane first");
        assertTrue(run.ops().stream().filter(o -> o.name().matches(".*-(cordon|upgrade|uncordon)")).allMatch(o -> o.action().equals("update")),
                "the upgrade steps run as updates: " + run.changed());
        for (String n : List.of("cp1", "cp2", "cp3", "worker1")) {
            Ssh.Result r = lab.root(n, "dpkg-query -W -f='${Version} ' kubelet kubeadm kubectl; apt-mark showhold | tr '\\n' ' ';"
                    + " cat /etc/apt/sources.list.d/kubernetes.list");
            assertEquals("1.34.1-1.1 1.34.1-1.1 1.34.1-1.1 kubeadm kubectl kubelet deb [signed-by=/etc/apt/keyrings/kubernetes-1.34.asc] "
                    + MachineLab.REPO_URL + "/kubernetes/v1.34/deb/ /", r.stdout().trim(), n);
        }
        assertTrue(standInLog("cp1").contains("kubeadm upgrade apply -y v1.34.1"), standInLog("cp1"));
        settings = next;
        assertReachable();
    }

    @Test
    @Order(5)
    void destroyLeavesTheMachinesReachable() {
        StepRunner.Run run = runner.destroy();
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        report("destroy", run);
        assertEquals(List.of(), lab.vipHolders(List.of("lb1", "lb2")));
        assertReachable();
    }

    private StepRunner.Run up(Map<String, String> stack) {
        StepRunner.Run run = runner.up("lab", lab.stack(stack), Main.stackOn(DAY));
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        return run;
    }

    private static void report(String what, StepRunner.Run run) {
        System.out.printf("machine lab: %s in %.0f s, %d steps; longest: %s%n", what, run.seconds(), run.ops().size(), run.slowest(5));
    }

    private void assertReachable() {
        for (String n : NODES) {
            assertTrue(lab.root(n, "true").ok(), n + " is reachable over SSH");
        }
    }

    private String standInLog(String machine) {
        return lab.root(machine, "cat /var/log/kubeha-lab/stand-in.log 2>/dev/null; true").stdout();
    }

    private String ufw(String machine) {
        return lab.root(machine, "ufw status").stdout();
    }

    private static boolean overlap(StepRunner.Run run, String a, String b) {
        StepRunner.Op x = run.ops().stream().filter(o -> o.name().equals(a)).findFirst().orElseThrow();
        StepRunner.Op y = run.ops().stream().filter(o -> o.name().equals(b)).findFirst().orElseThrow();
        return x.start() < y.end() && y.start() < x.end();
    }
}
