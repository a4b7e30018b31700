package dev.kubeha.render.lb;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.render.Templates;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real HAProxy with the haproxy.cfg kubeha renders, in a network namespace of its own (the API servers'
 * addresses lead nowhere there until the test starts a stand-in): what its stats port answers with and without
 * credentials, and what the real watcher makes of it for Keepalived.
 */
@Isolated("HAProxy on fixed ports, timed checks")
class LoadBalancerEndpointsTest {
    static final ClusterConfig CONFIG = Stacks.vagrant();
    static final String PASSWORD = "s3cretStatsPassw0rd";
    static final String STATS = "http://127.0.0.1:" + CONFIG.haproxy().statsPort();

    private Netns ns;
    private String apiNs;
    private Path dir;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        String why = Netns.unavailableReason();
        assumeTrue(why == null, why);
        for (String tool : List.of("haproxy", "curl", "openssl", "python3")) {
            assumeTrue(Netns.onPath(tool), tool + " is not installed (see .ci/run for the packages)");
        }
        dir = Files.createTempDirectory("kubeha-lb-endpoints-");
        ns = Netns.withAddress("lbe", "eth1", CONFIG.loadBalancers().get(0).address(), 24);
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (apiNs != null) {
            Netns.exec("ip", "netns", "del", apiNs);
        }
        if (ns != null) {
            ns.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void livenessAlwaysReadinessOnlyWithAnApiServerAndMetricsOnlyWithCredentials() throws Exception {
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, HaproxyConfig.render(CONFIG, PASSWORD, dir.resolve("admin.sock").toString()).replace("    daemon\n", ""));
        start("haproxy", "-db", "-f", cfg.toString());
        assertTrue(await(() -> status("/livez", null) == 200, 5), "HAProxy answers /livez");
        // The process started here (ip netns exec execs HAProxy, which drops root itself): other HAProxies on this
        // machine (the machine lab's, a packaged one) are not this test's business.
        String pid = Long.toString(processes.get(processes.size() - 1).pid());
        assertEquals("haproxy", ns.run("ps", "-o", "user=", "-p", pid).output().trim(), "HAProxy runs as its own user");

        // Before kubeadm init: no API server anywhere. HAProxy counts a server UP until its checks fail.
        assertTrue(await(() -> status("/healthz", null) == 503, 15), "no API server is reachable through this load balancer");
        assertEquals(200, status("/livez", null), "HAProxy serves: what Keepalived watches");
        assertEquals(401, status("/metrics", null), "the Prometheus metrics need the stats credentials");
        assertEquals(401, status("/metrics", "admin:wrong"));
        assertEquals(401, status("/stats", null));
        assertEquals(200, status("/stats", "admin:" + PASSWORD));
        Netns.Result metrics = ns.run("curl", "-s", "-u", "admin:" + PASSWORD, STATS + "/metrics");
        assertTrue(metrics.output().contains("haproxy_process_"), "the exporter answers with the credentials: " + metrics.output());

        // The watcher (as its unit runs it) tells Keepalived that HAProxy serves, API servers or not: no FAULT on
        // either load balancer before the first API server exists.
        Path track = dir.resolve("haproxy-down");
        Path watch = dir.resolve("haproxy-watch.sh");
        Files.writeString(watch, Templates.load("keepalived/haproxy-watch.sh"));
        start("bash", watch.toString(), HaproxyConfig.livenessUrl(CONFIG), track.toString(),
                Integer.toString(KeepalivedConfig.WATCH_INTERVAL_MS), Integer.toString(KeepalivedConfig.WATCH_FAILURES));
        assertTrue(await(() -> read(track).equals("0"), 3), "the watcher writes 0 (serving) with no API server up");

        // The first API server comes up (kubeadm init), in a namespace of its own at the other end of eth1: this
        // load balancer is ready.
        apiNs = ns.name() + "-api";
        for (String[] step : new String[][]{{"ip", "netns", "add", apiNs}, {"ip", "-n", ns.name(), "link", "set", "eth1p", "netns", apiNs},
                {"ip", "-n", apiNs, "addr", "add", CONFIG.controlPlane().get(0).address() + "/24", "dev", "eth1p"},
                {"ip", "-n", apiNs, "link", "set", "eth1p", "up"}}) {
            assertEquals(0, Netns.exec(step).exitCode(), String.join(" ", step));
        }
        assertEquals(0, Netns.exec("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString()).exitCode());
        Path api = dir.resolve("apiserver.py");
        try (var in = getClass().getResourceAsStream("/failover/apiserver.py")) {
            Files.write(api, in.readAllBytes());
        }
        startIn(apiNs, "python3", api.toString(), "m1", Integer.toString(CONFIG.apiPort()), dir.resolve("cert.pem").toString(),
                dir.resolve("key.pem").toString());
        assertTrue(await(() -> status("/healthz", null) == 200, 15), "with an API server UP, /healthz answers 200");

        // HAProxy dies: the watcher says so within its failures' time.
        processes.get(0).destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        assertTrue(await(() -> read(track).equals("1"), 2), "the watcher writes 1 once HAProxy is gone");
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertTrue(seconds < 0.45, "HAProxy's death written after " + seconds + " s (the VIP must move within 0.5 s)");
    }

    private int status(String path, String credentials) {
        List<String> argv = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2"));
        if (credentials != null) {
            argv.addAll(List.of("-u", credentials));
        }
        argv.add(STATS + path);
        String code = ns.run(argv.toArray(String[]::new)).output().trim();
        return code.matches("\\d+") ? Integer.parseInt(code) : -1;
    }

    private void start(String... command) throws IOException {
        startIn(ns.name(), command);
    }

    private void startIn(String namespace, String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(List.of(command));
        processes.add(new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(dir.resolve(Path.of(command[0]).getFileName() + "-" + processes.size() + ".log").toFile()).start());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file).trim() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Polls every 20 ms for at most {@code seconds}. */
    private static boolean await(Supplier<Boolean> condition, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            if (condition.get()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.get();
    }
}
