package dev.kubeha;

import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the etcd backup and restore steps sit in the program, under the SDK's mock engine. */
class EtcdBackupWiringTest {
    static final String REMOTE = "command:remote:Command";
    static final List<String> CONTROL_PLANE = List.of("k8s-master1", "k8s-master2", "k8s-master3");

    static List<String> names(ProgramRun run) {
        return run.ofType(REMOTE).stream().map(Registration::name).toList();
    }

    @Test
    void everyControlPlaneNodeGetsItsSnapshotTimerOnceAMemberAndItsUpgradeWaitsForIt() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        List<String> names = names(run);
        assertEquals(CONTROL_PLANE.stream().map(n -> n + "-etcd-backup").toList(),
                names.stream().filter(n -> n.endsWith("-etcd-backup")).toList(), "one per control-plane node, none on workers");
        assertTrue(run.dependenciesOf("k8s-master1-etcd-backup").contains("k8s-master1-kubeconfig"));
        for (String n : List.of("k8s-master2", "k8s-master3")) {
            assertTrue(run.dependenciesOf(n + "-etcd-backup").contains(n + "-join"), n);
            assertTrue(run.dependenciesOf(n + "-cordon").contains(n + "-etcd-backup"), n + ": its upgrade can take its snapshot");
        }
        assertTrue(run.dependenciesOf("k8s-master1-cordon").contains("k8s-master1-etcd-backup"));
        assertFalse(names.stream().anyMatch(n -> n.contains("etcd-restore")), "no restore without etcdRestoreFrom: " + names);
        String script = String.valueOf(run.inputs("k8s-master2-etcd-backup").get("stdin"));
        assertTrue(script.contains("OnCalendar=*-*-* 00,12:00:00"), script);
    }

    @Test
    void etcdRestoreFromRestoresEveryMemberOneAfterTheOtherThenWaitsForTheCluster() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdRestoreFrom", "/root/etcd.db")), Main::stack);
        List<String> restores = names(run).stream().filter(n -> n.contains("etcd-restore")).toList();
        assertEquals(List.of("k8s-master1-etcd-restore", "k8s-master2-etcd-restore", "k8s-master3-etcd-restore", "etcd-restored"), restores);
        List<String> first = run.dependenciesOf("k8s-master1-etcd-restore");
        assertTrue(first.containsAll(List.of("k8s-master1-init", "k8s-master2-join", "k8s-master3-join")), "after every member: " + first);
        assertTrue(first.contains("k8s-master3-certificates"),
                "after the daily certificate checks, which move the same static pod manifests: " + first);
        for (String n : CONTROL_PLANE) {
            assertTrue(String.valueOf(run.inputs(n + "-etcd-restore").get("stdin")).contains("SNAPSHOT_PATH='/root/etcd.db'"));
        }
        assertTrue(run.dependenciesOf("k8s-master2-etcd-restore").contains("k8s-master1-etcd-restore"));
        assertTrue(run.dependenciesOf("k8s-master3-etcd-restore").contains("k8s-master2-etcd-restore"));
        assertTrue(run.dependenciesOf("etcd-restored").contains("k8s-master3-etcd-restore"));
        assertTrue(run.dependenciesOf("etcd-restored").contains("k8s-master1-vm"), "it runs on the first node");
    }

    /**
     * pulumi-command runs a step again only when its inputs change (pulumi/pulumi-command v1.2.1
     * provider/pkg/provider/remote/commandController.go, Update): every restore step names the snapshot, so another
     * etcdRestoreFrom runs all of them again together, never a member's restore alone.
     */
    static void everyRestoreStepChangesWithTheSnapshot(Map<String, String> config) {
        Map<String, String> first = new java.util.HashMap<>(config);
        first.put("etcdRestoreFrom", "/root/etcd.db");
        Map<String, String> second = new java.util.HashMap<>(config);
        second.put("etcdRestoreFrom", "/root/etcd-later.db");
        ProgramRun before = ProgramRun.of(Stacks.raw("vagrant", first), Main::stack);
        ProgramRun after = ProgramRun.of(Stacks.raw("vagrant", second), Main::stack);
        List<String> restoreSteps = names(before).stream().filter(n -> n.contains("restore")).toList();
        assertFalse(restoreSteps.isEmpty());
        for (String step : restoreSteps) {
            assertFalse(before.inputs(step).equals(after.inputs(step)), step + " does not change with etcdRestoreFrom");
        }
    }

    @Test
    void anotherSnapshotRunsEveryRestoreStepAgain() {
        everyRestoreStepChangesWithTheSnapshot(Map.of());
    }
}
