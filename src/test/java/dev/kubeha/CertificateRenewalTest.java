package dev.kubeha;

import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates and credentials that last: {@code <node>-certificates} checks each control-plane node's kubeadm
 * certificates on the first {@code pulumi up} of each UTC day, one node at a time after the upgrades, and nothing a
 * renewal changes reaches the CNI's protected Kubernetes provider; kubeha's kubeconfig is its own credential
 * (kubeconfig.sh), which a stack made by an earlier kubeha takes over with one {@code pulumi up --skip-preview}.
 */
class CertificateRenewalTest {
    static final List<String> MASTERS = List.of("k8s-master1", "k8s-master2", "k8s-master3");

    static ProgramRun vagrant(Map<String, String> overrides) {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", overrides), Main.stackOn(Engine.DAY));
        assertEquals(0, run.result.exitCode(), () -> String.join("\n", run.result.errors()));
        return run;
    }

    @Test
    void eachControlPlaneNodeIsCheckedOnItselfOneAtATimeAfterTheUpgrades() {
        ProgramRun run = vagrant(Map.of());
        String previous = "k8s-master3-uncordon";  // the last control-plane node's upgrade step
        for (String node : MASTERS) {
            Registration check = run.get(node + "-certificates");
            String stdin = (String) check.inputs().get("stdin");
            assertTrue(stdin.contains("# ---- kubeadm/certificates.sh ----"), node);
            assertTrue(stdin.contains("NODE_NAME='" + node + "'"), node);
            assertTrue(stdin.contains("RENEW_DAYS='30'"), "the default threshold");
            assertTrue(stdin.contains("CHECKED_ON='2026-12-07'"), "the day of the run");
            assertEquals(run.inputs(node + "-prepare").get("connection"), check.inputs().get("connection"),
                    "runs on the node itself");
            assertTrue(run.dependenciesOf(node + "-certificates").contains(previous),
                    node + " waits for " + previous + ": " + run.dependenciesOf(node + "-certificates"));
            previous = node + "-certificates";
        }
        assertTrue(run.find("k8s-worker1-certificates").isEmpty(), "a worker's kubelet rotates its own certificate");
        assertTrue(((String) vagrant(Map.of("certificateRenewalDays", "90")).get("k8s-master2-certificates").inputs()
                .get("stdin")).contains("RENEW_DAYS='90'"), "the configured threshold");
    }

    @Test
    void thePlanSaysHow() {
        String text = PlanReport.text(Planner.plan("vagrant", Stacks.raw("vagrant", Map.of()), Main.stackOn(Engine.DAY)));
        assertTrue(text.contains("Certificates: checked on the first pulumi up of each UTC day (<node>-certificates, "
                + "one control-plane node at a time) and renewed when the first expires within 30 days"), text);
        assertTrue(text.contains("kubeha's own credential, valid until the cluster CA expires"), text);
        assertTrue(text.contains("k8s-master3-certificates"), text);
    }

    @Test
    void zeroTurnsTheChecksOff() {
        ProgramRun run = vagrant(Map.of("certificateRenewalDays", "0"));
        assertEquals(List.of(), run.registrations().stream().filter(r -> r.name().endsWith("-certificates")).toList());
    }

    @Test
    void aThresholdOutsideZeroTo300IsRefusedNamingTheKey() {
        for (String bad : List.of("-1", "301", "thirty")) {
            var errors = ClusterConfigParser.parse(Stacks.raw("vagrant", Map.of("certificateRenewalDays", bad))).errors();
            assertEquals(1, errors.size(), bad + ": " + errors);
            assertEquals("kubeha:certificateRenewalDays", errors.get(0).path());
        }
    }

    @Test
    void theNextDayPreviewsAnUpdateOfTheChecksOnlyAndReplacesNothing() {
        Deployment sameDay = Engine.change("vagrant", Map.of(), Map.of(), true, UnaryOperator.identity(), Engine.DAY);
        assertEquals(Set.of(), sameDay.touched(), "a re-run on the same day runs nothing");

        Deployment nextDay = Engine.change("vagrant", Map.of(), Map.of(), true, UnaryOperator.identity(),
                Engine.DAY.plusDays(1));
        assertEquals(List.of(), nextDay.errors());
        assertEquals(Set.of("k8s-master1-certificates", "k8s-master2-certificates", "k8s-master3-certificates"),
                nextDay.touched(), "only the checks run again");
        assertEquals(Set.of(), nextDay.with(Change.REPLACE));
        assertEquals(Change.SAME, nextDay.changes().get("cni-provider"), "the provider's kubeconfig stays known");

        Deployment off = Engine.change("vagrant", Map.of("certificateRenewalDays", "0"), Map.of(), true,
                UnaryOperator.identity(), Engine.DAY.plusDays(1));
        assertEquals(Set.of(), off.touched(), "with the checks off, another day runs nothing either");
    }

    /**
     * A stack made by an earlier kubeha: its kubeconfig step ran the older kubeconfig.sh, and the provider holds
     * the copy of admin.conf (another client certificate, the same cluster entry). The new script updates the step;
     * in a preview its stdout is unknown (pulumi/pulumi-go-provider v1.3.0 infer/resource.go), and pulumi-kubernetes
     * answers an unknown kubeconfig with a replacement (v4.0.0 provider.go DiffConfig, "We can't tell for sure if a
     * computed value has changed"), which the engine refuses for the protected provider. Without the preview the
     * kubeconfig is known when the provider is diffed: only the user differs, so the provider is updated in place.
     */
    @Test
    void aStackOfAnEarlierKubehaTakesOverTheNewCredentialWithOneUpWithoutPreview() {
        UnaryOperator<Registration> earlier = r -> {
            Registration older = Engine.scriptsChangedAfter("# ---- kubeadm/kubeconfig.sh ----").apply(r);
            if (!older.name().equals("cni-provider")) {
                return older;
            }
            Map<String, Object> inputs = new LinkedHashMap<>(older.inputs());
            inputs.put("kubeconfig", ((String) inputs.get("kubeconfig"))
                    .replace("client-certificate-data: ", "client-certificate-data: T0xE"));
            return new Registration(older.type(), older.name(), older.parent(), older.dependencies(),
                    older.additionalSecretOutputs(), older.replaceOnChanges(), older.version(),
                    older.deleteBeforeReplace(), older.propertyDependencies(), inputs, older.secretInputs(),
                    older.custom(), older.protect(), older.provider(), older.unknownInputs(), older.urn(),
                    older.aliases(), older.ignoreChanges());
        };
        Deployment preview = Engine.change("vagrant", Map.of(), Map.of(), true, earlier);
        assertFalse(preview.errors().isEmpty(), "the preview refuses: " + preview.changes());
        assertTrue(preview.errors().get(0).contains("cni-provider") && preview.errors().get(0).contains("protection"),
                preview.errors().toString());

        Deployment up = Engine.change("vagrant", Map.of(), Map.of(), false, earlier);
        assertEquals(List.of(), up.errors());
        assertEquals(Change.UPDATE, up.changes().get("k8s-master1-kubeconfig"));
        assertEquals(Change.UPDATE, up.changes().get("cni-provider"), "a new user, the same cluster: updated in place");
        assertEquals(Set.of(), up.with(Change.REPLACE));
        assertEquals(Set.of(), up.deleted());
    }
}
