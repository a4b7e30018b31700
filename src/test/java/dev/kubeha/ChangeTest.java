package dev.kubeha;

import dev.kubeha.components.WorkerTokens;
import dev.kubeha.engine.Engine;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a config change does to the resources: only what is affected gets new inputs (an update), is added or is
 * removed; everything else is untouched, so `pulumi up` runs nothing on the other machines.
 */
class ChangeTest {
    static final String WORKERS_PLUS_ONE = "[\"k8s-worker1=192.168.56.20\",\"k8s-worker2=192.168.56.21\",\"k8s-worker3=192.168.56.22\","
            + "\"k8s-worker4=192.168.56.23\",\"k8s-worker5=192.168.56.24\",\"k8s-worker6=192.168.56.25\"]";
    static final String WORKERS_MINUS_ONE = "[\"k8s-worker1=192.168.56.20\",\"k8s-worker2=192.168.56.21\",\"k8s-worker3=192.168.56.22\","
            + "\"k8s-worker4=192.168.56.23\"]";

    /**
     * {@code changed}: new inputs, so Pulumi runs the step again; {@code rewired}: only what it waits for changed,
     * which Pulumi records without running anything.
     */
    record Diff(Set<String> added, Set<String> removed, Set<String> changed, Set<String> rewired) {
    }

    static Diff diff(Map<String, String> overrides) {
        return diff("vagrant", Map.of(), overrides);
    }

    static Diff diff(String stack, Map<String, String> base, Map<String, String> overrides) {
        // Both runs on one day: the day is the certificate checks' stamp (a run across midnight changes them).
        ProgramRun before = ProgramRun.of(Stacks.raw(stack, base), Main.stackOn(Engine.DAY));
        Map<String, String> config = new java.util.HashMap<>(base);
        config.putAll(overrides);
        ProgramRun after = ProgramRun.of(Stacks.raw(stack, config), Main.stackOn(Engine.DAY));
        assertEquals(0, after.result.exitCode(), () -> String.join("\n", after.result.errors()));
        Set<String> added = new TreeSet<>();
        Set<String> changed = new TreeSet<>();
        Set<String> rewired = new TreeSet<>();
        for (Registration r : after.registrations()) {
            var old = before.find(r.name());
            if (old.isEmpty()) {
                added.add(r.name());
            } else if (!Objects.equals(old.get().inputs(), r.inputs())) {
                changed.add(r.name());
            } else if (!Objects.equals(new TreeSet<>(old.get().dependencies()), new TreeSet<>(r.dependencies()))) {
                rewired.add(r.name());
            }
        }
        Set<String> removed = new TreeSet<>();
        for (Registration r : before.registrations()) {
            if (after.find(r.name()).isEmpty()) {
                removed.add(r.name());
            }
        }
        return new Diff(added, removed, changed, rewired);
    }

    @Test
    void sameConfigChangesNothing() {
        Diff d = diff(Map.of());
        assertEquals(new Diff(Set.of(), Set.of(), Set.of(), Set.of()), d);
    }

    @Test
    void addingAWorkerAddsOnlyThatWorkersResources() {
        Diff d = diff(Map.of("workers", WORKERS_PLUS_ONE));
        // k8s-worker6's token batch is a new one (WorkerTokens.batchOf: the only worker of workers-1-tokens).
        assertEquals("workers-1-tokens", WorkerTokens.batchOf("k8s-worker6"));
        assertEquals(Set.of("k8s-worker6-vm", "k8s-worker6-prepare", "k8s-worker6-join-token", "k8s-worker6-credentials",
                "k8s-worker6-join", "k8s-worker6-drain", "k8s-worker6-cordon", "k8s-worker6-upgrade", "k8s-worker6-uncordon",
                "workers-1-tokens"), d.added());
        assertEquals(Set.of(), d.removed());
        assertEquals(Set.of("cluster-readiness"), d.changed(), "only the readiness gate learns of the new node");
        assertOnlyBatchesRewired(d);
    }

    @Test
    void removingAWorkerRemovesOnlyThatWorkersResources() {
        Diff d = diff(Map.of("workers", WORKERS_MINUS_ONE));
        // k8s-worker5 was the only worker of workers-5-tokens: that batch goes too (it has no delete command).
        assertEquals(Set.of("k8s-worker5-vm", "k8s-worker5-prepare", "k8s-worker5-join-token", "k8s-worker5-credentials",
                "k8s-worker5-join", "k8s-worker5-drain", "k8s-worker5-cordon", "k8s-worker5-upgrade", "k8s-worker5-uncordon",
                "workers-5-tokens"), d.removed());
        assertEquals(Set.of(), d.added());
        assertEquals(Set.of("cluster-readiness"), d.changed());
        assertOnlyBatchesRewired(d);
    }

    @Test
    void addingAWorkerToABatchRunsOnlyThatBatchAgain() {
        Diff d = diff(Map.of("workers", WORKERS_PLUS_ONE.replace("k8s-worker6", "k8s-worker8")));
        String batch = WorkerTokens.batchOf("k8s-worker8");
        assertEquals(batch, WorkerTokens.batchOf("k8s-worker1"), "k8s-worker8 joins the batch of k8s-worker1 and k8s-worker2");
        assertEquals(Set.of("cluster-readiness", batch), d.changed(),
                "its batch makes its token (the others' are registered: none again), no other batch runs");
        assertOnlyBatchesRewired(d);
    }

    /**
     * The token batches wait for the last step of their credentials lane (SessionLanes), which another worker can
     * change: a dependency Pulumi records without running anything.
     */
    private static void assertOnlyBatchesRewired(Diff d) {
        assertTrue(d.rewired().stream().allMatch(n -> n.matches("workers-[0-9]+-tokens")), d.rewired().toString());
    }

    @Test
    void aHaproxySettingUpdatesOnlyTheLoadBalancerConfigurationInPlace() {
        Diff d = diff(Map.of("haproxyRetries", "5"));
        assertEquals(Set.of("k8s-lb1-configure", "k8s-lb2-configure"), d.changed());
        assertEquals(Set.of(), d.added());
        assertEquals(Set.of(), d.removed());
    }

    @Test
    void aHealthCheckSettingAlsoUpdatesInitsShutdownDelayInPlace() {
        // kube-apiserver's shutdown delay is derived from the checks' detection time (KubeadmConfigs): init's
        // config changes, so init is updated in place (its script finds the cluster initialised and changes nothing;
        // a live cluster keeps the delay kubeadm stored, README: Limits).
        Diff d = diff(Map.of("haproxyCheckIntervalMs", "2000"));
        assertEquals(Set.of("k8s-lb1-configure", "k8s-lb2-configure", "k8s-master1-init"), d.changed());
        assertEquals(Set.of(), d.added());
        assertEquals(Set.of(), d.removed());
    }

    @Test
    void replacingAControlPlaneNodeReconfiguresTheLoadBalancersAndTouchesNoOtherNode() {
        Diff d = diff(Map.of("controlPlaneNodes",
                "[\"k8s-master1=192.168.56.10\",\"k8s-master2=192.168.56.11\",\"k8s-master4=192.168.56.13\"]"));
        assertEquals(Set.of("k8s-master4-vm", "k8s-master4-prepare", "k8s-master4-join-token", "k8s-master4-credentials",
                "k8s-master4-join", "k8s-master4-drain", "k8s-master4-cordon", "k8s-master4-upgrade", "k8s-master4-uncordon",
                "k8s-master4-certificates", "k8s-master4-etcd-backup", "k8s-master4-lb-access"), d.added());
        assertEquals(Set.of("k8s-master3-vm", "k8s-master3-prepare", "k8s-master3-join-token", "k8s-master3-credentials",
                "k8s-master3-join", "k8s-master3-drain", "k8s-master3-cordon", "k8s-master3-upgrade", "k8s-master3-uncordon",
                "k8s-master3-certificates", "k8s-master3-etcd-backup", "k8s-master3-lb-access"), d.removed());
        assertEquals(Set.of("k8s-lb1-configure", "k8s-lb2-configure", "k8s-master1-scheduling", "cluster-readiness",
                "control-plane-members"), d.changed(),
                "the backend list changes the LB configure scripts' stdin (and the control-plane list the scheduling "
                        + "step's and the membership check's, which runs before k8s-master4 joins): in-place updates, "
                        + "not re-creations");
        assertEquals(Set.of("k8s-worker1-cordon", "k8s-master1-certificates", "k8s-worker1-vm"), d.rewired(),
                "the workers' upgrades and the certificate checks now wait for k8s-master4's upgrade, and the first "
                        + "worker's VM boots after k8s-master4's (VirtualBox boots in stack order)");
    }

    @Test
    void aNewKubernetesVersionRerunsEachNodesPreparationAndUpgradeStepsAndNothingElse() {
        Diff d = diff(Map.of("kubernetesVersion", "1.32"));
        Set<String> expected = new TreeSet<>();
        for (String node : Stacks.vagrant().kubernetesNodes().stream().map(n -> n.name()).toList()) {
            expected.addAll(Set.of(node + "-prepare", node + "-cordon", node + "-upgrade", node + "-uncordon"));
        }
        assertEquals(expected, d.changed(), "prepare leaves a member's version alone; the upgrade steps move it");
        assertEquals(Set.of(), d.added());
        assertEquals(Set.of(), d.removed());
    }

    @Test
    void changingOneRolesMemoryChangesOnlyThoseVms() {
        Diff d = diff(Map.of("vagrantLoadBalancerMemory", "2048"));
        assertEquals(Set.of("k8s-lb1-vm", "k8s-lb2-vm"), d.changed(), "the VMs' triggers change: Pulumi replaces them");
        assertEquals(Set.of(), d.added());
    }

    @Test
    void anExistingNodeOnANewAddressIsRebuiltAndNothingElse() {
        Map<String, String> key = Map.of("sshPrivateKeyPath", "", "sshPrivateKey", "KEY");
        Diff d = diff("existing", key, Map.of("workers", "[\"worker1=10.0.10.21\",\"worker2=10.0.10.32\"]"));
        assertEquals(Set.of("worker2-host", "worker2-prepare", "worker2-credentials", "worker2-join", "worker2-drain",
                "worker2-cordon", "worker2-upgrade", "worker2-uncordon", "cluster-readiness", "worker2-reachable"),
                d.changed(), "worker2's host id is drawn again; its steps follow it (torn down in reverse, built in order:"
                        + " ReplacementTest), the gate runs again, the wait for the host dials the new address");
        assertEquals(Set.of(), d.added());
        assertEquals(Set.of(), d.removed());
    }

    @Test
    void vmTriggersCarryBoxProviderAndSize() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        Registration vm = run.get("k8s-master1-vm");
        assertEquals("command:local:Command", vm.type());
        assertEquals(java.util.List.of("bento/ubuntu-24.04", "", "", "virtualbox", "192.168.56.10", 2, 2048),
                ((java.util.List<?>) vm.inputs().get("triggers")).stream().map(o -> o instanceof Number n ? n.intValue() : o).toList());
        assertTrue(vm.additionalSecretOutputs().contains("stdout"), "the VM's SSH key is printed on stdout: secret");
    }
}
