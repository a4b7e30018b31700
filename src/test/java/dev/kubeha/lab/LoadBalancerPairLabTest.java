package dev.kubeha.lab;

import dev.kubeha.testing.AddressMonitor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Isolated;

import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The load-balancer pair on two booted machines (install and configure through the program's own steps), with
 * stand-in API servers on three control-plane machines: the seed guide's "Testing HA" checks, HAProxy's death,
 * a reboot, and removal. The tests run in order on the same machines.
 */
@Isolated("a VIP move is timed on the wall clock")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancerPairLabTest {
    private static final List<String> LBS = List.of("lb1", "lb2");
    private static final List<String> UNITS = List.of("haproxy", "keepalived", "kubeha-haproxy-watch");
    private static MachineLab lab;
    private static StepRunner runner;
    private static Map<String, String> stack;

    @BeforeAll
    static void boot() {
        String reason = MachineLab.unavailableReason();
        assumeTrue(reason == null, reason);
        lab = new MachineLab(List.of("lb1", "lb2", "cp1", "cp2", "cp3"));
        runner = new StepRunner(lab.ssh, lab.dir, 600);
        for (String cp : List.of("cp1", "cp2", "cp3")) {
            StandInApiServer.install(lab, cp, 6443, true);
        }
        stack = lab.stack(Map.of("loadBalancers", MachineLab.nodes("lb1", "lb2"),
                "controlPlaneNodes", MachineLab.nodes("cp1", "cp2", "cp3"), "keepalivedPreemptDelay", "2"));
    }

    @AfterAll
    static void tearDown() {
        MachineLab.tearDown(lab, runner);
    }

    @Test
    @Order(1)
    void installAndConfigureBringTheVipUpOnTheFirstLoadBalancer() {
        StepRunner.Run run = runner.up("lab", stack, LabPrograms::loadBalancers);
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        // Each host of the stack is first waited for until it answers SSH (<node>-reachable), then the pair is built.
        assertEquals(List.of("create cp1-reachable", "create cp2-reachable", "create cp3-reachable", "create lb1-configure",
                "create lb1-install", "create lb1-reachable", "create lb2-configure", "create lb2-install",
                "create lb2-reachable"), run.changed());
        for (String lb : LBS) {
            assertEquals("active\nactive\nactive", lab.root(lb, "systemctl is-active " + String.join(" ", UNITS)).stdout().trim(), lb);
        }
        assertTrue(lab.awaitVip("lb1", LBS, 10) >= 0, "the VIP is on lb1 alone: " + lab.vipHolders(LBS));
        assertTrue(apiThroughVip().startsWith("master=cp"), "the API answers through the VIP");
    }

    @Test
    @Order(2)
    void aSecondRunChangesNothing() {
        Map<String, String> before = units();
        StepRunner.Run run = runner.up("lab", stack, LabPrograms::loadBalancers);
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        assertEquals(List.of(), run.changed(), "nothing to run on a second up");
        // Run again, as an update whose stdin changed runs them: the scripts themselves change nothing.
        for (String lb : LBS) {
            for (String step : List.of("-install", "-configure")) {
                StepRunner.Run again = runner.rerun(lb + step);
                assertTrue(again.ok(), () -> String.join("\n", again.errors()));
            }
        }
        assertEquals(before, units(), "no unit restarted (main PID and start time of each)");
    }

    @Test
    @Order(3)
    void statsAndMetricsNeedTheCredentialsAndTheSecretsAreNotWorldReadable() {
        for (String page : List.of("/metrics", "/stats")) {
            assertEquals("401", lab.network.inHub("curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://"
                    + MachineLab.address("lb1") + ":8404" + page, 10).output().trim(), page + " without credentials");
        }
        Ssh.Result r = lab.root("lb1", "stat -c '%n %a' /etc/haproxy/haproxy.cfg /etc/keepalived/keepalived.conf");
        for (String line : r.stdout().trim().split("\n")) {
            assertTrue(line.endsWith("0"), "not readable by others: " + line);
        }
    }

    @Test
    @Order(4)
    void haproxyServesAsItsOwnUserInAChroot() {
        Ssh.Result r = lab.root("lb1", "for p in $(pgrep -x haproxy); do echo $(stat -c %U /proc/$p) $(readlink /proc/$p/root); done | sort -u");
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("haproxy ") && !l.endsWith(" /")),
                "a HAProxy process runs as haproxy with a root other than /: " + r.stdout());
    }

    /** keepalived.conf's vrrp_rt_priority took effect: one Keepalived process (the VRRP child) runs round-robin realtime. */
    @Test
    @Order(4)
    void keepalivedsVrrpProcessRunsUnderRealtimeScheduling() {
        for (String lb : LBS) {
            Ssh.Result r = lab.root(lb, "ps -C keepalived -o cls=,rtprio=");
            assertTrue(r.stdout().lines().map(String::trim).anyMatch(l -> l.matches("RR\\s+50")),
                    lb + ": a Keepalived process with scheduling class RR, priority 50: " + r.stdout());
        }
    }

    @Test
    @Order(5)
    void healthzFailsWhenNoApiServerAnswers() {
        for (String cp : List.of("cp1", "cp2", "cp3")) {
            lab.root(cp, "systemctl stop " + StandInApiServer.UNIT);
        }
        try {
            String status = "";
            for (int i = 0; i < 50 && !status.equals("503"); i++) {
                HostShell.sleep(0.2);
                status = lab.network.inHub("curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://" + MachineLab.address("lb1")
                        + ":8404/healthz", 10).output().trim();
            }
            assertEquals("503", status, "HAProxy's /healthz with every API server down");
        } finally {
            for (String cp : List.of("cp1", "cp2", "cp3")) {
                lab.root(cp, "systemctl start " + StandInApiServer.UNIT);
            }
        }
        assertTrue(lab.awaitVip("lb1", LBS, 30) >= 0, "the VIP is back on lb1 once the API servers answer: " + lab.vipHolders(LBS));
    }

    /** The seed guide's "Testing HA": VIP on lb1, keepalived stopped there moves it, the API still answers, start. */
    @Test
    @Order(6)
    void seedGuideVipFailover() {
        assertTrue(guideSaysVipOn("lb1") && !guideSaysVipOn("lb2"), "the VIP is on lb1");
        assertTrue(lab.root("lb1", "systemctl stop keepalived").ok());
        assertTrue(lab.awaitVip("lb2", LBS, 10) >= 0, "the VIP moved to lb2: " + lab.vipHolders(LBS));
        assertTrue(guideSaysVipOn("lb2"), "ip addr on lb2 shows the VIP");
        assertTrue(apiThroughVip().startsWith("master=cp"), "the API answers through the VIP");
        assertTrue(lab.root("lb1", "systemctl start keepalived").ok());
        assertTrue(lab.awaitVip("lb1", LBS, 20) >= 0, "the VIP came back to lb1 (preempt after its delay): " + lab.vipHolders(LBS));
    }

    @Test
    @Order(7)
    void haproxyKilledOnTheHolderMovesTheVipInUnderHalfASecond() {
        assertHaproxyDeathMovesVip();
    }

    @Test
    @Order(8)
    void aRebootedLoadBalancerStillMovesTheVipWhenHaproxyDies() {
        lab.machine("lb1").reboot();
        assertTrue(lab.awaitVip("lb1", LBS, 30) >= 0, "lb1 took the VIP back after its reboot: " + lab.vipHolders(LBS));
        assertEquals("active\nactive\nactive", lab.root("lb1", "systemctl is-active " + String.join(" ", UNITS)).stdout().trim());
        assertHaproxyDeathMovesVip();
    }

    /**
     * Removal takes what stopping three services and purging two packages take (about 12 s a load balancer here),
     * not a systemd stop timeout (DefaultTimeoutStopSec=90s: systemd 252, Debian 12 /etc/systemd/system.conf); and
     * systemd stopped every unit cleanly: while the machines shared their cgroups (see {@link Machine}), the first
     * load balancer's stops logged "Failed to kill control group ..., ignoring: Input/output error" (systemd could
     * not signal the unit's other processes), and destroys of 97 s and 128 s were seen.
     */
    @Test
    @Order(9)
    void removeLeavesNoKubehaFileUnitOrPackageBehind() {
        long since = System.currentTimeMillis() / 1000 - 1;
        StepRunner.Run run = runner.destroy();
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        assertEquals(List.of("delete lb1-install", "delete lb2-install"), run.changed(), "configure has no delete script");
        assertTrue(run.seconds() < 60, "both load balancers removed in under 60 s (took: " + run.slowest(2) + ")");
        for (String lb : LBS) {
            Ssh.Result stops = lab.root(lb, "journalctl --no-pager -o short-precise _PID=1 --since @" + since
                    + " | grep -E 'Failed to kill control group|timed out' || true");
            assertEquals("", stops.stdout().trim(), lb + ": systemd stopped the units cleanly");
        }
        for (String lb : LBS) {
            Ssh.Result left = lab.root(lb, "dpkg-query -W -f='${Package} ${Status}\\n' haproxy keepalived 2>/dev/null | grep -v not-installed;"
                    + " ls -d /etc/haproxy /etc/keepalived /usr/local/lib/kubeha /run/kubeha /usr/libexec/keepalived/kubeha* 2>/dev/null;"
                    + " systemctl list-unit-files --no-legend 'kubeha*' 'haproxy*' 'keepalived*';"
                    + " find /etc /usr/local /run /var/lib -xdev -name '*kubeha*' ! -name 'kubeha-lab*' 2>/dev/null; true");
            assertEquals("", left.stdout().trim(), lb + " still has");
            assertEquals(List.of(), lab.vipHolders(List.of(lb)), lb + " holds no VIP");
        }
    }

    /**
     * Times the move from the kernel's side: the HAProxy processes are found first, killed from this JVM (one
     * signal each, no process started in between), and lb2's own address report says when the VIP arrived.
     */
    private void assertHaproxyDeathMovesVip() {
        assertTrue(lab.awaitVip("lb1", LBS, 20) >= 0, "the VIP is on lb1: " + lab.vipHolders(LBS));
        CompletableFuture<Long> arrived = new CompletableFuture<>();
        try (AddressMonitor ignored = lab.watchVip("lb2", added -> {
            if (added) {
                arrived.complete(System.nanoTime());
            }
        })) {
            // Settled: the watcher has reported a healthy HAProxy for a while, and the monitor is listening.
            HostShell.sleep(1);
            List<ProcessHandle> haproxy = lab.processes("lb1", "haproxy");
            assertFalse(haproxy.isEmpty(), "HAProxy runs on lb1");
            long start = System.nanoTime();
            MachineLab.kill(haproxy);
            double seconds = -1;
            try {
                seconds = (arrived.get(5, TimeUnit.SECONDS) - start) / 1e9;
            } catch (TimeoutException | InterruptedException | ExecutionException e) {
                // not within 5 s: seconds stays -1
            }
            System.out.printf("machine lab: HAProxy killed on lb1 (boot %d): VIP on lb2 after %.3f s%n", lab.machine("lb1").boots(), seconds);
            assertTrue(seconds >= 0 && seconds < 0.5, "the VIP moved to lb2 in under 0.5 s (took " + seconds + " s; -1: not within 5 s)");
        }
        assertTrue(lab.awaitVip("lb2", LBS, 5) >= 0, "lb2 alone holds the VIP: " + lab.vipHolders(LBS));
        // HAProxy comes back (systemd restarts it) and lb1 takes the VIP back after its preempt delay.
        assertTrue(lab.awaitVip("lb1", LBS, 30) >= 0, "lb1 took the VIP back once HAProxy was restarted: " + lab.vipHolders(LBS));
    }

    private boolean guideSaysVipOn(String lb) {
        return lab.root(lb, "ip addr show eth0").stdout().contains(" " + MachineLab.VIP + "/");
    }

    private String apiThroughVip() {
        return lab.network.inHub("curl -sk --max-time 3 https://" + MachineLab.VIP + ":6443/version", 10).output().trim();
    }

    /** Main PID and start time of each unit on each load balancer. */
    private Map<String, String> units() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String lb : LBS) {
            for (String unit : UNITS) {
                out.put(lb + " " + unit, lab.root(lb, "systemctl show -p MainPID -p ExecMainStartTimestampMonotonic " + unit).stdout().trim());
            }
        }
        return out;
    }
}
