package dev.kubeha.failover;

import dev.kubeha.failover.Lab.Request;
import dev.kubeha.failover.Lab.VipEvent;
import dev.kubeha.render.kubeadm.KubeadmConfigs;
import dev.kubeha.testing.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The seed guide's "Testing HA", for real, against the exact HAProxy and Keepalived configs kubeha renders (only
 * the addresses and the interface differ from a real stack): each failure several times, measured, reported as
 * one table (median, min, max over the runs; also written to target/failover-report.md) and held to bounds.
 */
@Isolated("VIP moves and failed requests are timed on the wall clock")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest {
    /** Runs per scenario; more by hand with -Dfailover.runs=N. */
    static final int RUNS = Integer.getInteger("failover.runs", 3);
    static final double LEAD_IN = 1.5;
    private static Lab lab;
    private static final Map<String, List<Measure>> TABLE = new LinkedHashMap<>();

    /** What one run of a scenario measured. Times in seconds after the fault. */
    record Measure(double moved, int failed, int inFlight, double outage, double addedLatency, int requests) {
    }

    @BeforeAll
    static void setUp() {
        String why = Lab.unavailableReason();
        assumeTrue(why == null, why);
        lab = new Lab();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (lab != null) {
            lab.close();
            assertEquals(List.of(), lab.leftovers(), "the lab removes every namespace and process it created");
        }
        if (!TABLE.isEmpty()) {
            String report = report();
            System.out.println(report);
            Files.writeString(Path.of("target", "failover-report.md"), report);
        }
    }

    /** Fresh daemons, VIP on lb1, then traffic; {@code fault} at LEAD_IN; returns the client's requests. */
    static Run scenario(Consumer<Lab> fault, double observe) {
        return scenario(fault, observe, false);
    }

    /**
     * @param instant the fault takes effect at once (a kill, a cut link): it strikes when {@code fault} returns,
     *                and requests sent before that were already under way on the process or host it hit
     */
    static Run scenario(Consumer<Lab> fault, double observe, boolean instant) {
        return scenario(lab, fault, observe, instant);
    }

    /** The same in another lab (one with three load balancers). */
    static Run scenario(Lab lab, Consumer<Lab> fault, double observe, boolean instant) {
        lab.stopAll();
        lab.startAll();
        assertTrue(lab.awaitOwner("lb1", 8) >= 0, "the VIP settles on lb1 at start; owners: " + lab.vipOwners());
        for (String lb : lab.lbs) {
            awaitBackendsUp(lab, lb);
        }
        Process client = lab.startClient(LEAD_IN + observe);
        Lab.sleep(LEAD_IN);
        double t0 = Lab.now();
        fault.accept(lab);
        double struck = instant ? Lab.now() : t0;
        List<Request> requests = Lab.results(client);
        return new Run(t0, struck, requests);
    }

    static void awaitBackendsUp(Lab lab, String lb) {
        for (int i = 0; i < 100; i++) {
            if (Lab.MASTERS.stream().allMatch(m -> lab.backendStatus(lb, "lab-" + m).equals("UP"))) {
                return;
            }
            Lab.sleep(0.1);
        }
        throw new AssertionError(lb + ": backends not UP");
    }

    /** A scenario's requests; {@code t0} when the fault began, {@code struck} when it had taken effect. */
    record Run(double t0, double struck, List<Request> requests) {
        /** Requests sent once the fault had struck that failed: what the load balancers are answerable for. */
        List<Request> failures() {
            return requests.stream().filter(r -> !r.ok() && r.sent() >= struck).toList();
        }

        /** Requests already under way when the fault struck, that it broke (no proxy can save those). */
        List<Request> brokenInFlight() {
            return requests.stream().filter(r -> !r.ok() && r.sent() < struck).toList();
        }

        double baselineLatency() {
            double[] before = requests.stream().filter(r -> r.ok() && r.sent() < t0).mapToDouble(Request::latency).sorted().toArray();
            return before.length == 0 ? 0 : before[before.length / 2];
        }

        Measure measure(double moved) {
            List<Request> failed = failures();
            double outage = failed.isEmpty() ? 0 : failed.get(failed.size() - 1).sent() + failed.get(failed.size() - 1).latency()
                    - failed.get(0).sent();
            // Latency of the requests that succeeded; the failed ones are counted as failures (or broken in flight).
            double worst = requests.stream().filter(r -> r.ok() && r.sent() >= t0 - 0.2).mapToDouble(Request::latency).max().orElse(0);
            return new Measure(moved, failed.size(), brokenInFlight().size(), outage, Math.max(0, worst - baselineLatency()),
                    requests.size());
        }

        /** Every request sent later than {@code after} seconds past the fault succeeded. */
        void assertRecoveredWithin(double after, String scenario) {
            List<Request> late = requests.stream().filter(r -> !r.ok() && r.sent() > t0 + after).toList();
            assertEquals(List.of(), late, scenario + ": requests failed more than " + fmt(after) + " s after the fault");
        }
    }

    static void record(String scenario, Measure m) {
        TABLE.computeIfAbsent(scenario, k -> new ArrayList<>()).add(m);
        System.out.println("failover run: " + scenario + ": " + m);
    }

    // ---- 1. steady state ------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void steadyStateSpreadsRequestsOverEveryApiServer() {
        Run run = scenario(l -> Lab.sleep(3), 3);
        Map<String, Long> perBackend = run.requests().stream().filter(Request::ok)
                .collect(Collectors.groupingBy(Request::backend, Collectors.counting()));
        long total = perBackend.values().stream().mapToLong(Long::longValue).sum();
        record("1 steady state", run.measure(Double.NaN));
        assertEquals(0, run.failures().size(), "no failures in steady state");
        for (String m : Lab.MASTERS) {
            long n = perBackend.getOrDefault(m, 0L);
            assertTrue(n * 4 >= total, m + " got " + n + " of " + total + " requests (" + perBackend + "); at least 25% each");
        }
    }

    // ---- 2. control-plane failures --------------------------------------------------------------------------

    @Test
    @Order(2)
    void apiServerProcessDeathCostsNoRequest() {
        for (int i = 0; i < RUNS; i++) {
            Run run = scenario(l -> l.kill("m1-api"), 4, true);
            double down = markedDownAfter(run.t0(), 3);
            Measure m = run.measure(down);
            record("2a API server process killed (HAProxy marks it DOWN)", m);
            assertEquals(0, m.failed(), "a killed API server costs no client request: " + run.failures());
        }
    }

    @Test
    @Order(3)
    void apiServerHostCutOffCostsNoRequestAndLittleLatency() {
        for (int i = 0; i < RUNS; i++) {
            Run run = scenario(l -> l.linkDown("m1"), 5, true);
            double down = markedDownAfter(run.t0(), 2);
            Measure m = run.measure(down);
            record("2b API server host cut off (HAProxy marks it DOWN)", m);
            assertEquals(0, m.failed(), "a cut-off API server costs no client request: " + run.failures());
            assertTrue(m.addedLatency() <= 1.0, "added latency " + fmt(m.addedLatency()) + " s; at most 1 s");
        }
    }

    /** Seconds from t0 until lb1's HAProxy reports lab-m1 DOWN (polled after the scenario's traffic). */
    static double markedDownAfter(double t0, double maxWait) {
        double end = Lab.now() + maxWait;
        while (Lab.now() < end) {
            if (lab.backendStatus("lb1", "lab-m1").startsWith("DOWN")) {
                break;
            }
            Lab.sleep(0.05);
        }
        // The exact moment comes from HAProxy's own counter: seconds since the last status change.
        String lastChange = Lab.sh("ip netns exec " + lab.ns("lb1") + " curl -s --max-time 1 -u admin:" + Lab.STATS_PASSWORD
                + " 'http://127.0.0.1:8404/stats;csv' | awk -F, '$1 == \"kube-apiservers\" && $2 == \"lab-m1\" {print $24}'").output().trim();
        return lastChange.matches("\\d+") ? Lab.now() - Double.parseDouble(lastChange) - t0 : Double.NaN;
    }

    // ---- 3-5. load-balancer failures --------------------------------------------------------------------------

    static Measure vipFailover(String scenario, Consumer<Lab> fault, double bound) {
        return vipFailover(scenario, fault, bound, false);
    }

    static Measure vipFailover(String scenario, Consumer<Lab> fault, double bound, boolean instant) {
        Run run = scenario(fault, 3, instant);
        double moved = lab.vipAddedOn("lb2", run.t0()) - run.t0();
        Measure m = run.measure(moved);
        record(scenario, m);
        assertTrue(moved <= bound, () -> scenario + ": VIP on lb2 after " + fmt(moved) + " s; bound " + bound + " s\n"
                + lab.logTail("lb1-keepalived", 25) + "\n" + lab.logTail("lb2-keepalived", 25));
        run.assertRecoveredWithin(moved + 1.0, scenario);
        return m;
    }

    @Test
    @Order(4)
    void haproxyDeathMovesTheVipWithinOneSecond() {
        for (int i = 0; i < RUNS; i++) {
            // Issue bound 1 s; kubeha's watcher measured 0.12-0.16 s, so the bound is tightened to 0.5 s.
            vipFailover("3 HAProxy killed on the VIP holder", l -> l.kill("lb1-haproxy"), 0.5, true);
        }
    }

    @Test
    @Order(5)
    void activeLoadBalancerDeathMovesTheVipWithinOneAndAHalfSeconds() {
        // Issue bound 1.5 s; VRRPv3 with 100 ms adverts measured 0.31-0.38 s, so the bound is tightened to 1 s.
        for (int i = 0; i < RUNS; i++) {
            vipFailover("4a active LB crashed (Keepalived + HAProxy SIGKILL)", l -> crashLoadBalancer(l, "lb1"), 1.0, true);
        }
        for (int i = 0; i < RUNS; i++) {
            vipFailover("4b active LB cut off (link down)", l -> l.linkDown("lb1"), 1.0);
        }
    }

    @Test
    @Order(6)
    void keepalivedStoppedCleanlyMovesTheVip() {
        for (int i = 0; i < RUNS; i++) {
            vipFailover("5 Keepalived stopped cleanly (systemctl stop)", l -> l.stop("lb1-keepalived"), 0.5);
        }
    }

    // ---- 6. the failed LB returns -----------------------------------------------------------------------------

    @Test
    @Order(7)
    void theReturningLoadBalancerFollowsThePreemptionPolicy() {
        int delay = lab.config.keepalived().preemptDelaySeconds();
        for (int i = 0; i < 2; i++) {
            Run run = scenario(l -> {
                l.stop("lb1-keepalived");
                Lab.sleep(1.0);
                l.startKeepalived("lb1");
            }, delay + 4);
            double returned = lab.vipAddedOn("lb1", run.t0() + 0.5) - run.t0() - 1.0;
            Measure m = run.measure(returned);
            record("6 failed LB returns (preempt after " + delay + " s)", m);
            assertTrue(returned >= delay - 1.0 && returned <= delay + 3.0,
                    "the VIP returns to lb1 after the preempt delay (" + delay + " s): after " + fmt(returned) + " s");
            assertEquals(List.of("lb1"), lab.vipOwners());
        }
    }

    // ---- 9. rolling control-plane restart (an upgrade) ------------------------------------------------------------

    /**
     * The three API servers restarted one after the other as kubeadm upgrade does it (stop, start, wait until it
     * answers /readyz as upgrade.sh waits, next), under traffic and with three watch streams open: (a) as before
     * kubeha drained (no shutdown delay, no drain), (b) with the shutdown delay alone, (c) as kubeha does it now:
     * drained on every load balancer by loadbalancer/backend.sh on the node first, ready again after. The drain is
     * seen working, not only its script succeeding: in (c) no new request reaches a server from the moment it is
     * told to stop until it is up again, where in (b) the load balancers keep sending it new requests until their
     * checks see its /readyz fail.
     */
    @Test
    @Order(10)
    void rollingControlPlaneRestartWithTheDrainCostsNoRequestAndCutsNoWatch() {
        double delay = KubeadmConfigs.shutdownDelaySeconds(lab.config);
        // The two controls once each (they show what the drain prevents); kubeha's way RUNS times.
        rollingRestart("9a rolling API server restart, no shutdown delay, no drain (before)", 0, false);
        RollingRun undrained = rollingRestart("9b rolling API server restart, shutdown delay " + fmt(delay) + " s, no drain",
                delay, false);
        assertTrue(undrained.servedWhileStopping().size() > 0,
                "the control: not drained, a stopping API server still gets new requests until its checks fail");
        for (int i = 0; i < RUNS; i++) {
            RollingRun drained = rollingRestart("9c rolling API server restart, drain + shutdown delay " + fmt(delay) + " s (kubeha)",
                    delay, true);
            assertEquals(List.of(), drained.servedWhileStopping(), "drained, a stopping API server gets no new request");
            assertEquals(List.of(), drained.run().failures(), "drained first, a rolling restart costs no request");
            assertEquals(List.of(), drained.cut(), "no watch stream is cut: each ends because its server ended it"
                    + drained.vipMoves());
            assertTrue(drained.ends().size() >= 3, "every API server ended its streams: " + drained.ends() + drained.vipMoves());
        }
        lab.apiShutdownDelay = delay;
    }

    /** {@code stopping}: per API server, from when it was told to stop until it answered /readyz again. */
    record RollingRun(Run run, List<Lab.StreamEnd> ends, List<Stopping> stopping, List<String> vipTakers) {
        List<Lab.StreamEnd> cut() {
            return ends.stream().filter(e -> !e.clean()).toList();
        }

        /** New requests (sent after the stop began) that a server answered while it was stopping or restarting. */
        List<Request> servedWhileStopping() {
            return run.requests().stream().filter(r -> r.ok() && stopping.stream().anyMatch(w -> w.master().equals(r.backend())
                    && r.sent() >= w.from() && r.sent() < w.to())).toList();
        }

        /** The VIP moving during the run resets every connection through the old holder: say so beside a cut stream. */
        String vipMoves() {
            return vipTakers.isEmpty() ? "" : "; the VIP moved meanwhile (taken by " + vipTakers + "), which resets streams";
        }
    }

    record Stopping(String master, double from, double to) {
    }

    static RollingRun rollingRestart(String scenario, double delay, boolean drain) {
        lab.apiShutdownDelay = delay;
        double perServer = delay + 4;
        Process[] watcher = new Process[1];
        List<Stopping> stopping = new ArrayList<>();
        Run run = scenario(l -> {
            watcher[0] = l.startWatcher(3, 3 * perServer + 2);
            for (String m : Lab.MASTERS) {
                if (drain) {
                    Netns.Result r = l.backend(m, "lb_backend_drain");
                    assertEquals(0, r.exitCode(), "drain " + m + ": " + r.output());
                }
                double from = Lab.now();
                l.stopGracefully(m + "-api", delay + 6);
                l.startApiServer(m);
                for (int i = 0; i < 100 && !l.apiServerReady(m); i++) {
                    Lab.sleep(0.1);
                }
                assertTrue(l.apiServerReady(m), m + " answers /readyz after its restart");
                stopping.add(new Stopping(m, from, Lab.now()));
                if (drain) {
                    Netns.Result r = l.backend(m, "lb_backend_ready");
                    assertEquals(0, r.exitCode(), "ready " + m + ": " + r.output());
                }
            }
        }, 3 * perServer + 2);
        List<Lab.StreamEnd> ends = Lab.streamEnds(watcher[0]);
        List<String> vipTakers = lab.vipEvents.stream().filter(e -> e.added() && e.at() >= run.t0()).map(VipEvent::lb).toList();
        RollingRun rolling = new RollingRun(run, ends, stopping, vipTakers);
        record(scenario, run.measure(Double.NaN));
        ROLLING.add(scenario + ": watch streams ended by their server " + (ends.size() - rolling.cut().size())
                + ", cut " + rolling.cut().size() + "; new requests answered by a stopping server "
                + rolling.servedWhileStopping().size() + rolling.vipMoves());
        return rolling;
    }

    // ---- 8. three load balancers ---------------------------------------------------------------------------------

    /**
     * The three-LB scenario: the holder dies, then the next one, and the VIP lands on the last, in priority
     * order (101, 100, 1: KeepalivedConfig#priority spreads them so that lb2's master-down timer fires 39 ms before
     * lb3's, not 0.4 ms).
     */
    @Test
    @Order(9)
    void withThreeLoadBalancersTheVipMovesDownThePriorityListAsHoldersDie() {
        try (Lab three = new Lab(3)) {
            for (int i = 0; i < RUNS; i++) {
                double[] secondFault = new double[1];
                List<List<String>> ownersBeforeSecondFault = new ArrayList<>();
                Run run = scenario(three, l -> {
                    crashLoadBalancer(l, "lb1");
                    Lab.sleep(2.0);
                    ownersBeforeSecondFault.add(l.vipOwners());
                    secondFault[0] = Lab.now();
                    crashLoadBalancer(l, "lb2");
                }, 5, true);
                double toLb2 = three.vipAddedOn("lb2", run.t0()) - run.t0();
                double toLb3 = three.vipAddedOn("lb3", secondFault[0]) - secondFault[0];
                // Each crash as scenario 4a's: requests sent before the second crash belong to the first move.
                Run first = new Run(run.t0(), run.struck(), run.requests().stream().filter(r -> r.sent() < secondFault[0]).toList());
                Run second = new Run(secondFault[0], secondFault[0], run.requests());
                record("8a 3 LBs: holder lb1 crashed, VIP to lb2 (the next priority)", first.measure(toLb2));
                record("8b 3 LBs: then lb2 crashed, VIP to lb3", second.measure(toLb3));
                // A crashed Keepalived leaves its VIP behind (see crashLoadBalancer), so lb1 still lists it.
                assertTrue(ownersBeforeSecondFault.get(0).contains("lb2") && !ownersBeforeSecondFault.get(0).contains("lb3"),
                        "after lb1's crash lb2 holds the VIP and lb3 does not: " + ownersBeforeSecondFault.get(0));
                List<String> takers = three.vipEvents.stream().filter(e -> e.added() && e.at() >= run.t0())
                        .sorted(Comparator.comparingDouble(VipEvent::at)).map(VipEvent::lb).toList();
                assertEquals(List.of("lb2", "lb3"), takers, "the VIP goes lb1 -> lb2 -> lb3 and nowhere else");
                assertTrue(toLb2 <= 1.0, "VIP on lb2 after " + fmt(toLb2) + " s; bound 1 s (as scenario 4a)");
                assertTrue(toLb3 <= 1.0, "VIP on lb3 after " + fmt(toLb3) + " s; bound 1 s (as scenario 4a)");
                assertTrue(three.vipOwners().contains("lb3"), "the VIP lands on the last: " + three.vipOwners());
                // Until the next LB holds the VIP, the crashed one's kernel still has it and refuses connections (4a).
                first.assertRecoveredWithin(toLb2 + 1.0, "8a lb1 crashed");
                second.assertRecoveredWithin(toLb3 + 1.0, "8b lb2 crashed");
            }
            three.stopAll();
        }
    }

    /** The load balancer's machine dies: Keepalived (frozen, then killed), HAProxy and the watcher at once. */
    static void crashLoadBalancer(Lab l, String lb) {
        l.crash(lb + "-keepalived");
        l.kill(lb + "-haproxy");
        l.kill(lb + "-watch");
    }

    // ---- 7. split brain -----------------------------------------------------------------------------------------

    @Test
    @Order(8)
    void blockedVrrpGivesTwoOwnersAndHealsToOne() {
        Run run = scenario(l -> {
            l.blockVrrp();
            Lab.sleep(2.0);
        }, 3);
        List<String> during = lab.vipOwners();
        double bothAt = lab.vipAddedOn("lb2", run.t0()) - run.t0();
        Measure m = run.measure(bothAt);
        record("7 VRRP blocked between the LBs (split brain)", m);
        lab.unblockVrrp();
        double healed = lab.awaitOwner("lb1", 5);
        SPLIT_BRAIN.add("owners while VRRP was blocked: " + during + " (lb2 took the VIP after " + fmt(bothAt)
                + " s); after unblocking, lb1 alone after " + fmt(healed) + " s; failed requests " + m.failed());
        assertEquals(List.of("lb1", "lb2"), during, "with VRRP blocked both LBs claim the VIP (split brain)");
        assertTrue(healed >= 0, "unblocked, the VIP is on lb1 alone again; owners: " + lab.vipOwners());
    }

    private static final List<String> SPLIT_BRAIN = new ArrayList<>();
    private static final List<String> ROLLING = new ArrayList<>();

    // ---- report ---------------------------------------------------------------------------------------------

    static String report() {
        StringBuilder s = new StringBuilder();
        s.append("| scenario | runs | VIP moved / backend DOWN (s) | failed requests | in flight, broken | outage window (s) | largest added latency (s) |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        TABLE.forEach((scenario, ms) -> s.append("| ").append(scenario).append(" | ").append(ms.size()).append(" | ")
                .append(stats(ms.stream().mapToDouble(Measure::moved).toArray())).append(" | ")
                .append(stats(ms.stream().mapToDouble(Measure::failed).toArray())).append(" | ")
                .append(stats(ms.stream().mapToDouble(Measure::inFlight).toArray())).append(" | ")
                .append(stats(ms.stream().mapToDouble(Measure::outage).toArray())).append(" | ")
                .append(stats(ms.stream().mapToDouble(Measure::addedLatency).toArray())).append(" |\n"));
        s.append("\nmedian / min / max over the runs; a client request (new TLS connection, 3 s timeout) every 50 ms."
                + " Failed: sent once the fault had struck, and failed. In flight, broken: sent before a killed process was"
                + " gone or a cut link was down, broken by it. Outage: first to last failure. Added latency: worst successful request"
                + " against the median before the fault.\n");
        SPLIT_BRAIN.forEach(line -> s.append("\nSplit brain: ").append(line).append('\n'));
        ROLLING.forEach(line -> s.append("\nRolling restart ").append(line).append('\n'));
        return s.toString();
    }

    static String stats(double[] values) {
        double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return "-";
        }
        return fmt(v[v.length / 2]) + " / " + fmt(v[0]) + " / " + fmt(v[v.length - 1]);
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
