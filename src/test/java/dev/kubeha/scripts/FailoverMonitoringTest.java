package dev.kubeha.scripts;

import dev.kubeha.render.Templates;
import dev.kubeha.render.lb.LoadBalancerScripts;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Failover you can watch: the metrics Keepalived's notify script keeps for node_exporter's textfile collector, read
 * after a run of transitions as Prometheus reads them, and the alerting rules kubeha ships, checked and unit-tested by
 * Prometheus' own promtool (Debian's prometheus package).
 */
@Execution(ExecutionMode.CONCURRENT)
class FailoverMonitoringTest {
    /** One sample line of the text format: name{labels} value (no timestamps in a textfile). */
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)\\{([^}]*)} (\\S+)$");

    private final Path dir = TempDirs.create("kubeha-vrrp-");

    @AfterEach
    void cleanUp() {
        TempDirs.delete(dir);
    }

    @Test
    void everyTransitionLeavesTheStateAndCountersInPrometheusTextFormat() throws Exception {
        Path state = dir.resolve("state");
        List<String[]> transitions = List.of(new String[]{"BACKUP", "100"}, new String[]{"MASTER", "100"},
                new String[]{"FAULT", "100"}, new String[]{"BACKUP", "100"}, new String[]{"MASTER", "100"},
                new String[]{"STOP", "0"});
        Map<String, Integer> entered = new LinkedHashMap<>();
        for (String[] t : transitions) {
            notify(state, t[0], t[1]);
            entered.merge(t[0], 1, Integer::sum);
            Path prom = state.resolve("kubeha_vrrp.prom");
            assertPrometheusAccepts(prom);
            Map<String, String> samples = samples(Files.readString(prom));
            for (String s : List.of("MASTER", "BACKUP", "FAULT", "STOP")) {
                String labels = "vrrp_instance=\"kubeha_api\",state=\"" + s + "\"";
                assertEquals(s.equals(t[0]) ? "1" : "0", samples.get("kubeha_vrrp_state{" + labels + "}"), "after " + t[0] + ": " + samples);
                assertEquals(Integer.toString(entered.getOrDefault(s, 0)), samples.get("kubeha_vrrp_transitions_total{" + labels + "}"),
                        "transitions into " + s + " after " + t[0]);
            }
            assertEquals(t[1], samples.get("kubeha_vrrp_priority{vrrp_instance=\"kubeha_api\"}"));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(prom)), "node_exporter reads it as its own user");
            try (var files = Files.list(state)) {
                assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("kubeha_vrrp.prom.")).toList(),
                        "no temporary file left (node_exporter reads only *.prom)");
            }
        }
        assertEquals("STOP\n", Files.readString(state.resolve("vrrp-state")));
    }

    @Test
    void theMetricsAreLinkedWhereNodeExporterReadsAndRemoveTakesOnlyWhatKubehaMade() throws IOException {
        for (boolean nodeExporterThere : List.of(false, true)) {
            // remove.sh purges the packages: apt-get and systemctl stubbed, never the machine's own.
            ScriptHarness h = LoadBalancerScriptsTest.lb().stub("dpkg-query", "echo 'install ok installed'")
                    .stubs("apt-get", "systemctl");
            Path textfiles = h.root().resolve("var/lib/prometheus/node-exporter");
            if (nodeExporterThere) {
                Files.createDirectories(textfiles);
                Files.writeString(textfiles.resolve("other.prom"), "other 1\n");
            }
            ScriptHarness.Run configure = h.run(LoadBalancerScriptsTest.configure());
            assertEquals(0, configure.exitCode(), configure.stderr());
            assertEquals(Path.of("/run/kubeha/kubeha_vrrp.prom"), Files.readSymbolicLink(textfiles.resolve("kubeha_vrrp.prom")));
            assertEquals(0, h.run(LoadBalancerScriptsTest.configure()).exitCode(), "a second run");

            ScriptHarness.Run remove = h.run(LoadBalancerScripts.remove(LoadBalancerScriptsTest.CONFIG, LoadBalancerScriptsTest.LB1));
            assertEquals(0, remove.exitCode(), remove.stderr());
            assertFalse(Files.exists(textfiles.resolve("kubeha_vrrp.prom"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            if (nodeExporterThere) {
                assertTrue(Files.exists(textfiles.resolve("other.prom")), "node_exporter's own directory and files stay");
            } else {
                assertFalse(Files.exists(h.root().resolve("var/lib/prometheus")), "the directories kubeha made are gone");
            }
        }
    }

    @Test
    void theShippedAlertRulesAreValidAndFireWhenTheyShould() {
        assumeTrue(Netns.onPath("promtool"), "promtool is not installed (apt-get install prometheus)");
        Netns.Result check = Netns.exec("promtool", "check", "rules", "monitoring/kubeha-alerts.yaml");
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("SUCCESS: 6 rules found"), check.output());
        // Healthy pair, flapping VIP, split brain then no holder, a backend down, no backend, a load balancer down.
        Netns.Result test = Netns.exec("promtool", "test", "rules", "monitoring/kubeha-alerts.test.yaml");
        assertEquals(0, test.exitCode(), test.output());
    }

    /** Runs notify.sh as Keepalived does: its configured argument (the state directory), then type, name, state, priority. */
    private void notify(Path state, String vrrpState, String priority) throws IOException, InterruptedException {
        Path script = dir.resolve("notify.sh");
        if (!Files.exists(script)) {
            Files.writeString(script, Templates.load("keepalived/notify.sh"));
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Files.writeString(bin.resolve("logger"), "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(bin.resolve("logger"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), state.toString(), "INSTANCE", "kubeha_api", vrrpState, priority)
                .redirectErrorStream(true);
        pb.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "notify.sh returns");
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out, "Keepalived logs what a notify script prints: nothing");
    }

    /** promtool's own parser of the text format (it fails on a line Prometheus would refuse). */
    private static void assertPrometheusAccepts(Path prom) {
        if (!Netns.onPath("promtool")) {
            return; // the samples are still read below, by the text format's line grammar
        }
        Netns.Result r = Netns.exec("sh", "-c", "promtool check metrics < '" + prom + "'");
        assertEquals(0, r.exitCode(), r.output());
    }

    /** Every sample of a textfile: "name{labels}" to value; HELP and TYPE lines come before each family's samples. */
    private static Map<String, String> samples(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String family = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                family = line.split(" ")[2];
                continue;
            }
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            assertEquals(family, m.group(1), "a sample after its family's TYPE line: " + line);
            Double.parseDouble(m.group(3));
            out.put(m.group(1) + "{" + m.group(2) + "}", m.group(3));
        }
        return out;
    }
}
