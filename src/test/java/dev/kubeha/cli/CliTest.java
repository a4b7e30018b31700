package dev.kubeha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kubeha.Main;
import dev.kubeha.config.RawConfig;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;
import dev.kubeha.plan.Recorder.Registration;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offline validate and plan commands. */
class CliTest {
    record Result(int exit, String out, String err) {
    }

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void validateOnTheVagrantStackExitsZeroWithASummary() {
        Result r = cli("validate", "--stack", "vagrant");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("2 load balancers, 3 control-plane nodes, 5 workers; VIP 192.168.56.100:6443"), r.out());
    }

    @Test
    void validateOnAnInvalidStackExitsOneAndListsEveryError() {
        Result r = cli("validate", "--stack", "broken", "--project-dir", "src/test/resources/cli");
        assertEquals(1, r.exit());
        for (String path : List.of("kubeha:loadBalancers:", "kubeha:controlPlaneNodes:", "kubeha:workers[0].name:",
                "kubeha:vip:", "kubeha:podSubnet:", "kubeha:kubernetesVersion:", "kubeha:keepalivedRouterId:")) {
            assertTrue(r.err().contains(path), "missing " + path + " in:\n" + r.err());
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, cli("plan").exit());
        assertEquals(2, cli("deploy", "--stack", "vagrant").exit());
        assertEquals(2, cli("validate", "--stack", "nosuchstack").exit());
        Result help = cli("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("usage:") && help.err().isEmpty(), help.out() + help.err());
    }

    static Planner.Plan vagrantPlan() throws Exception {
        return Planner.plan("vagrant", RawConfig.fromStackFile(Path.of("Pulumi.vagrant.yaml")), Main::stack);
    }

    @Test
    void planShowsControlPlaneJoinsOneAfterAnotherAndWorkersInParallelAfterTheFirstNode() throws Exception {
        Planner.Plan plan = vagrantPlan();
        assertEquals(List.of(), plan.errors());
        Planner.Step init = plan.step("k8s-master1-init");
        Planner.Step join2 = plan.step("k8s-master2-join");
        Planner.Step join3 = plan.step("k8s-master3-join");
        assertTrue(join2.start() >= init.end(), "master2 joins after init");
        assertTrue(join3.start() >= join2.end(), "master3 joins only after master2's join ended");
        for (int i = 1; i <= 5; i++) {
            Planner.Step join = plan.step("k8s-worker" + i + "-join");
            assertTrue(join.start() >= init.end(), "worker" + i + " after init");
            assertFalse(join.waitsFor().stream().anyMatch(d -> d.startsWith("k8s-master2") || d.startsWith("k8s-master3")),
                    "workers do not wait for the other control-plane nodes: " + join.waitsFor());
        }
        // On existing hosts (no VM boots one at a time before them), workers join while control-plane joins go on.
        Planner.Plan existing = Planner.plan("bench", dev.kubeha.plan.Bench.stack(5, "1.33", Map.of()), Main::stack);
        assertTrue(existing.step("w1-join").start() < existing.step("cp3-join").end(), "workers join while control-plane joins go on");
        assertEquals("cluster-readiness", plan.criticalPath().get(plan.criticalPath().size() - 1));
        String text = PlanReport.text(plan);
        assertTrue(text.contains("Simulated timeline") && text.contains("Critical path"), text);
        assertTrue(text.contains("kubeha:index:ControlPlane control-plane"), text);
    }

    @Test
    void thePlanIsTheSameEveryTime() throws Exception {
        String first = PlanReport.text(vagrantPlan()) + PlanReport.json(vagrantPlan());
        for (int i = 0; i < 3; i++) {
            assertEquals(first, PlanReport.text(vagrantPlan()) + PlanReport.json(vagrantPlan()),
                    "the program registers resources asynchronously; the plan must not depend on that order");
        }
    }

    @Test
    void outFilesAreWhatTheCommandsCarryAndNoSecretAppearsAnywhere() throws Exception {
        Planner.Plan plan = vagrantPlan();
        Path dir = dev.kubeha.testing.TempDirs.create("kubeha-plan-");
        List<Path> files = PlanReport.writeFiles(plan, dir);
        assertTrue(Files.exists(dir.resolve("k8s-master1")), "one folder per host");
        Map<String, String> byName = new HashMap<>();
        for (Path f : files) {
            byName.put(dir.relativize(f).toString(), Files.readString(f));
        }
        int checked = 0;
        for (Planner.Step step : plan.steps()) {
            Registration r = step.registration();
            if (r.type().equals("command:remote:Command") && r.inputs().get("stdin") instanceof String stdin) {
                String file = byName.entrySet().stream().filter(e -> e.getKey().startsWith(step.host() + "/")
                        && e.getKey().endsWith("-" + step.name() + ".sh")).map(Map.Entry::getValue).findFirst()
                        .orElseThrow(() -> new AssertionError("no file for " + step.name()));
                assertEquals(PlanReport.mask(plan, stdin), file, step.name() + ": byte for byte what the command carries (secrets masked)");
                checked++;
            }
        }
        assertTrue(checked >= 30, "every remote script was checked: " + checked);
        List<String> outputs = new ArrayList<>(byName.values());
        outputs.add(PlanReport.text(plan));
        outputs.add(PlanReport.json(plan));
        assertFalse(plan.secrets().isEmpty());
        for (String secret : plan.secrets()) {
            for (String output : outputs) {
                assertFalse(output.contains(secret), "a secret value appears in plain text");
            }
        }
        assertTrue(byName.values().stream().anyMatch(s -> s.contains("[secret]")), "secrets show as [secret]");
        try (Stream<Path> all = Files.walk(dir)) {
            assertEquals(files.size(), all.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void jsonDocumentHasTheDocumentedFields() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(PlanReport.json(vagrantPlan()));
        assertEquals("vagrant", doc.path("stack").asText());
        assertTrue(doc.path("totalSeconds").asDouble() > 0);
        assertTrue(doc.path("criticalPath").isArray() && doc.path("criticalPath").size() > 3);
        assertTrue(doc.path("peakSessions").path("k8s-master1").asInt() >= 1, doc.path("peakSessions").toString());
        assertTrue(PlanReport.text(vagrantPlan()).contains("Peak concurrent SSH sessions per host"));
        JsonNode join = null;
        for (JsonNode r : doc.path("resources")) {
            for (String field : List.of("type", "name", "parent", "host", "dependencies", "start", "end", "durationKnown")) {
                assertTrue(r.has(field), field + " missing in " + r);
            }
            if (r.path("name").asText().equals("k8s-master2-join")) {
                join = r;
            }
        }
        assertEquals("command:remote:Command", join.path("type").asText());
        assertEquals("control-plane", join.path("parent").asText());
        assertEquals("k8s-master2", join.path("host").asText());
        assertTrue(join.path("end").asDouble() > join.path("start").asDouble());
        assertTrue(join.path("dependencies").toString().contains("k8s-master2-credentials"));
    }
}
