package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import dev.kubeha.testing.TempDirs;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The etcd backup steps of a control-plane node: the snapshot command and its systemd timer (checked by systemd's own
 * systemd-analyze), retention, and the snapshots the upgrade and a control-plane removal take first. The restore
 * itself is proven against a real etcd in {@link EtcdRestoreTest}.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class EtcdBackupScriptsTest {
    static final ClusterConfig CONFIG = Stacks.config("vagrant", Map.of("etcdRestoreFrom", "/root/etcd-snapshot.db"));
    static final Node MASTER1 = CONFIG.controlPlane().get(0);
    static final Node MASTER3 = CONFIG.controlPlane().get(2);
    static final ClusterConfig EXTERNAL = Stacks.config("vagrant", Map.of("etcdRestoreFrom", "/root/etcd-snapshot.db",
            "etcdNodes", "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]"));

    /**
     * A stand-in of the snapshot command <node>-etcd-backup installs, at its place on the node: it only records its
     * call ({@code kubeha-etcd-snapshot KIND}), for tests of the steps that call it.
     */
    static ScriptHarness withStandInSnapshotCommand(ScriptHarness h, String body) {
        try {
            Path command = h.root().resolve(EtcdScripts.SNAPSHOT_COMMAND.substring(1));
            Files.createDirectories(command.getParent());
            Files.writeString(command, "#!/bin/sh\nexec kubeha-etcd-snapshot \"$@\"\n");
            Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return h.stub("kubeha-etcd-snapshot", body);
    }

    @Test
    void renderedScriptsAreGoldenAndShellcheckClean() {
        Map<String, String> scripts = Map.of(
                "etcd-backup-k8s-master1.sh", EtcdScripts.backup(CONFIG, MASTER1),
                "kubeha-etcd-snapshot-k8s-master1.sh", EtcdScripts.snapshotCommand(CONFIG, MASTER1),
                "etcd-restore-k8s-master3.sh", EtcdScripts.restore(CONFIG, MASTER3),
                "etcd-restored.sh", EtcdScripts.restored(CONFIG),
                "restore-api-stop-k8s-master1.sh", EtcdScripts.restoreApiServer(EXTERNAL, EXTERNAL.controlPlane().get(0), "stop"),
                "etcd-restored-external.sh", EtcdScripts.restored(EXTERNAL),
                "control-plane-members.sh", EtcdScripts.membership(CONFIG),
                "etcd-members-k8s-etcd1.sh", EtcdNodeScripts.membership(EXTERNAL),
                "restore-api-release-k8s-master1.sh", EtcdScripts.restoreApiServer(EXTERNAL, EXTERNAL.controlPlane().get(0), "release"));
        scripts.forEach((name, script) -> {
            Golden.assertMatches("EtcdBackupScriptsTest", name, script);
            ShellcheckTest.assertRenderedScriptClean(name, script);
        });
        Golden.assertMatches("EtcdBackupScriptsTest", "kubeha-etcd-snapshot.timer", EtcdScripts.timerUnit(CONFIG));
        assertTrue(EtcdScripts.restore(CONFIG, MASTER3).contains("INITIAL_CLUSTER='k8s-master1=https://192.168.56.10:2380,"
                + "k8s-master2=https://192.168.56.11:2380,k8s-master3=https://192.168.56.12:2380'"));
    }

    /** systemd-analyze verify on the unit files as a node gets them, under a root holding systemd's own units. */
    static Netns.Result verifyUnits(ClusterConfig config) {
        Path root = TempDirs.create("kubeha-units-");
        try {
            Path system = Files.createDirectories(root.resolve("etc/systemd/system"));
            Files.writeString(system.resolve("kubeha-etcd-snapshot.service"), EtcdScripts.serviceUnit());
            Files.writeString(system.resolve("kubeha-etcd-snapshot.timer"), EtcdScripts.timerUnit(config));
            Path command = root.resolve(EtcdScripts.SNAPSHOT_COMMAND.substring(1));
            Files.createDirectories(command.getParent());
            Files.writeString(command, EtcdScripts.snapshotCommand(config, config.firstControlPlane()));
            Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(root.resolve("usr/lib/systemd"));
            Netns.Result copied = Netns.exec("cp", "-r", "/usr/lib/systemd/system", root.resolve("usr/lib/systemd").toString());
            assertEquals(0, copied.exitCode(), copied.output());
            return Netns.exec("systemd-analyze", "verify", "--root=" + root,
                    system.resolve("kubeha-etcd-snapshot.timer").toString(), system.resolve("kubeha-etcd-snapshot.service").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TempDirs.delete(root);
        }
    }

    /**
     * A restore that failed after its API servers stopped, then abandoned (etcdRestoreFrom removed): the delete of
     * {@code <node>-restore-api-stop} puts the held manifests back; again, it changes nothing.
     */
    @Test
    void theStopStepsDeletePutsBackTheManifestsAnAbandonedRestoreHeld() throws IOException {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("crictl", "exit 0");
        try {
            Node master = EXTERNAL.controlPlane().get(0);
            Path manifests = Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
            for (String pod : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
                Files.writeString(manifests.resolve(pod + ".yaml"), "kind: Pod\n");
            }
            ScriptHarness.Run stopped = h.run(EtcdScripts.restoreApiServer(EXTERNAL, master, "stop"));
            assertEquals(0, stopped.exitCode(), stopped.stderr());
            assertFalse(Files.exists(manifests.resolve("kube-apiserver.yaml")));
            for (int run = 0; run < 2; run++) {
                ScriptHarness.Run released = h.run(EtcdScripts.restoreApiServer(EXTERNAL, master, "release"));
                assertEquals(0, released.exitCode(), released.stderr());
                for (String pod : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
                    assertTrue(Files.exists(manifests.resolve(pod + ".yaml")), pod + " (run " + run + ")");
                }
                assertFalse(Files.exists(h.root().resolve("etc/kubernetes/kubeha-restore-held-manifests")));
            }
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    /**
     * The restore moves /var/lib/etcd only once etcd is known to be stopped: a crictl that fails (containerd down,
     * say) is no proof, so the restore waits, then stops with nothing moved but the manifests (put back by the next run).
     */
    @Test
    void aRestoreWhoseCrictlFailsNeverMovesTheDataDirectory() throws IOException {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        try {
            Files.createDirectories(h.root().resolve("root"));
            Files.writeString(h.root().resolve("root/etcd-snapshot.db"), "snapshot");
            Path manifests = Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
            Files.writeString(manifests.resolve("etcd.yaml"), "spec:\n  containers:\n  - image: registry.k8s.io/etcd:3.5.21-0\n");
            Path data = Files.createDirectories(h.root().resolve("var/lib/etcd/member"));
            // etcdutl (in ctr run) stages the restored data; crictl cannot reach containerd.
            h.stub("ctr", "case \"$*\" in *--help*) exit 0;; esac; mkdir -p \"$KUBEHA_ROOT/var/lib/kubeha-etcd-restore/etcd/member\"")
                    .stub("crictl", "echo 'connect: connection refused' >&2; exit 1")
                    .stub("sleep", "exec /bin/sleep 0.01");
            ScriptHarness.Run run = h.run(EtcdScripts.restore(CONFIG, MASTER1));
            assertEquals(1, run.exitCode(), run.stderr());
            assertTrue(run.stderr().contains("or crictl cannot tell (crictl ps --name etcd); nothing else was changed"), run.stderr());
            assertTrue(Files.isDirectory(data), "the live data directory stays where it is");
            try (Stream<Path> kept = Files.list(h.root().resolve("var/lib"))) {
                assertFalse(kept.anyMatch(p -> p.getFileName().toString().startsWith("etcd.before-restore")));
            }
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    @Test
    void theTimerAndItsServicePassSystemdAnalyzeVerifyAndABadScheduleDoesNot() {
        assumeTrue(Netns.onPath("systemd-analyze"), "needs systemd-analyze (systemd)");
        Netns.Result good = verifyUnits(CONFIG);
        assertEquals(0, good.exitCode(), good.output());
        Netns.Result weekly = verifyUnits(Stacks.config("vagrant", Map.of("etcdBackupSchedule", "Mon..Fri *-*-* 02:30")));
        assertEquals(0, weekly.exitCode(), weekly.output());
        // The config check lets a word through; systemd does not.
        Netns.Result bad = verifyUnits(Stacks.config("vagrant", Map.of("etcdBackupSchedule", "twice-a-day")));
        assertNotEquals(0, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("Failed to parse calendar specification"), bad.output());
    }

    /** A node's systemctl: remembers what was enabled, so that a second run finds it so. */
    static ScriptHarness node() {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        String enabled = h.dir().resolve("enabled").toString();
        return h.stub("systemctl", "case \"$1\" in is-enabled|is-active) [ -f " + enabled + " ];; enable) touch " + enabled + ";; esac");
    }

    @Test
    void theBackupStepInstallsTheCommandAndTimerOnceAndASecondRunChangesNothing() throws IOException {
        ScriptHarness h = node();
        ScriptHarness.Run run = h.run(EtcdScripts.backup(CONFIG, MASTER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(EtcdScripts.timerUnit(CONFIG) + "\n", Files.readString(h.root().resolve("etc/systemd/system/kubeha-etcd-snapshot.timer")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(h.root().resolve("usr/local/sbin/kubeha-etcd-snapshot"))));
        assertTrue(run.called("systemctl daemon-reload") && run.called("systemctl enable --now kubeha-etcd-snapshot.timer"), run.calls().toString());

        ScriptHarness.Run again = h.run(EtcdScripts.backup(CONFIG, MASTER1));
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.called("systemctl daemon-reload") || again.called("systemctl enable") || again.called("systemctl restart"),
                again.calls().toString());

        ClusterConfig hourly = Stacks.config("vagrant", Map.of("etcdBackupSchedule", "hourly"));
        ScriptHarness.Run changed = h.run(EtcdScripts.backup(hourly, MASTER1));
        assertEquals(0, changed.exitCode(), changed.stderr());
        assertTrue(changed.called("systemctl daemon-reload") && changed.called("systemctl restart kubeha-etcd-snapshot.timer"),
                changed.calls().toString());
        assertTrue(Files.readString(h.root().resolve("etc/systemd/system/kubeha-etcd-snapshot.timer")).contains("OnCalendar=hourly\n"));
    }

    @Test
    void aScheduleSystemdRejectsStopsTheStepWithTheKeyNamed() {
        assumeTrue(Netns.onPath("systemd-analyze"), "needs systemd-analyze (systemd)");
        ScriptHarness h = node();
        ScriptHarness.Run run = h.run(EtcdScripts.backup(Stacks.config("vagrant", Map.of("etcdBackupSchedule", "twice-a-day")), MASTER1));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("etcdBackupSchedule 'twice-a-day' is not a systemd calendar expression"), run.stderr());
        assertFalse(Files.exists(h.root().resolve("etc/systemd/system/kubeha-etcd-snapshot.timer")), "no timer written");
    }

    /** Runs the installed snapshot command as the timer's service does: the file, with its kind. */
    static ScriptHarness.Run runAsTheTimer(ScriptHarness h, String kind) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(h.root().resolve("usr/local/sbin/kubeha-etcd-snapshot").toString(), kind);
        pb.environment().put("PATH", h.bin() + ":/usr/bin:/bin");
        pb.environment().put("KUBEHA_ROOT", h.root().toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path err = h.dir().resolve("timer.err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the snapshot command finished within a minute");
        return new ScriptHarness.Run(p.exitValue(), "", Files.readString(err), List.of(), List.of(), null);
    }

    @Test
    void aScheduledSnapshotIsARealSnapshotAndOnlyTheNewestOfItsKindAreKept() throws Exception {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
        try (LocalEtcd etcd = new LocalEtcd(List.of("k8s-master1"))) {
            etcd.etcdctlUntilOk("put", "kubeha-test/key", "value");
            ClusterConfig two = Stacks.config("vagrant", Map.of("etcdBackupRetention", "2"));
            ScriptHarness h = node().stub("crictl", "[ \"$1\" = --runtime-endpoint ] && shift 2; case \"$1\" in ps) echo etcd-standin;; "
                    + "exec) shift 3; args=(); for a; do case \"$a\" in --endpoints=*|--cacert=*|--cert=*|--key=*) ;; "
                    + "/var/lib/*) args+=(\"$KUBEHA_ROOT$a\");; *) args+=(\"$a\");; esac; done; "
                    + "exec /usr/bin/etcdctl --endpoints=" + etcd.endpoint() + " \"${args[@]}\";; esac");
            Files.createDirectories(h.root().resolve("var/lib/etcd"));
            ScriptHarness.Run installed = h.run(EtcdScripts.backup(two, MASTER1));
            assertEquals(0, installed.exitCode(), installed.stderr());
            Path backups = Files.createDirectories(h.root().resolve("var/lib/kubeha/etcd-backups"));
            for (String old : List.of("20260101T000000Z-scheduled", "20260102T000000Z-scheduled", "20260103T000000Z-scheduled",
                    "20250101T000000Z-before-upgrade")) {
                Files.writeString(backups.resolve("etcd-k8s-master1-" + old + ".db"), "old");
            }

            ScriptHarness.Run run = runAsTheTimer(h, "scheduled");
            assertEquals(0, run.exitCode(), run.stderr());
            List<String> kept;
            try (Stream<Path> files = Files.list(backups)) {
                kept = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".db")).sorted().toList();
            }
            assertEquals(3, kept.size(), kept.toString());
            assertEquals("etcd-k8s-master1-20250101T000000Z-before-upgrade.db", kept.get(0), "another kind is kept: " + kept);
            assertEquals("etcd-k8s-master1-20260103T000000Z-scheduled.db", kept.get(1), kept.toString());
            assertTrue(kept.get(2).matches("etcd-k8s-master1-2\\d{7}T\\d{6}Z-scheduled\\.db"), kept.toString());
            Path snapshot = backups.resolve(kept.get(2));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot)));
            LocalEtcd.Result status = etcd.etcdctl("snapshot", "status", snapshot.toString(), "-w", "json");
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(status.output().contains("\"totalKey\""), status.output());
            assertFalse(Files.exists(h.root().resolve("var/lib/etcd/kubeha-snapshot.partial")), "nothing left in etcd's directory");

            ScriptHarness.Run wrongKind = runAsTheTimer(h, "hourly");
            assertNotEquals(0, wrongKind.exitCode());
        }
    }

    @Test
    void aSnapshotThatFailsLeavesNoFileAndSaysWhy() throws Exception {
        ScriptHarness h = node().stub("crictl", "[ \"$1\" = --runtime-endpoint ] && shift 2; case \"$1\" in ps) echo etcd-standin;; "
                + "exec) echo 'context deadline exceeded' >&2; exit 1;; esac");
        assertEquals(0, h.run(EtcdScripts.backup(CONFIG, MASTER1)).exitCode());
        ScriptHarness.Run run = runAsTheTimer(h, "scheduled");
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("etcdctl snapshot save failed on k8s-master1"), run.stderr());
        try (Stream<Path> files = Files.list(h.root().resolve("var/lib/kubeha/etcd-backups"))) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".db")).toList());
        }
    }

    @Test
    void aControlPlaneUpgradeSnapshotsBeforeKubeadmAndStopsWhenTheSnapshotFails() {
        ClusterConfig target = UpgradeScriptsTest.version("1.32.1");
        ScriptHarness.Run run = UpgradeScriptsTest.memberAt(ScriptHarness.UBUNTU, "1.31.4")
                .run(NodeScripts.upgrade(target, MASTER1, true));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(UpgradeScriptsTest.indexOf(run, "kubeha-etcd-snapshot before-upgrade")
                < UpgradeScriptsTest.indexOf(run, "kubeadm upgrade apply"), run.calls().toString());

        ScriptHarness failing = withStandInSnapshotCommand(UpgradeScriptsTest.memberAt(ScriptHarness.UBUNTU, "1.31.4"), "exit 1");
        ScriptHarness.Run stopped = failing.run(NodeScripts.upgrade(target, MASTER1, true));
        assertNotEquals(0, stopped.exitCode());
        assertTrue(stopped.stderr().contains("the before-upgrade etcd snapshot failed"), stopped.stderr());
        assertFalse(stopped.called("kubeadm upgrade"), stopped.calls().toString());

        ScriptHarness.Run worker = UpgradeScriptsTest.memberAt(ScriptHarness.UBUNTU, "1.31.4")
                .run(NodeScripts.upgrade(target, CONFIG.workers().get(0), false));
        assertEquals(0, worker.exitCode(), worker.stderr());
        assertFalse(worker.called("kubeha-etcd-snapshot"), "a worker has no etcd: " + worker.calls());
    }

    @Test
    void theRemovalOfAControlPlaneNodeSnapshotsOnTheFirstNodeBeforeTheDrainAndAWorkersDoesNot() {
        ScriptHarness first = withStandInSnapshotCommand(new ScriptHarness(ScriptHarness.UBUNTU), "exit 0").stubs("kubectl");
        ScriptHarness.Run run = first.run(NodeScripts.drain(CONFIG, MASTER3));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(UpgradeScriptsTest.indexOf(run, "kubeha-etcd-snapshot before-removal")
                < UpgradeScriptsTest.indexOf(run, "kubectl --kubeconfig"), run.calls().toString());

        ScriptHarness.Run worker = first.run(NodeScripts.drain(CONFIG, CONFIG.workers().get(0)));
        assertEquals(0, worker.exitCode(), worker.stderr());
        assertFalse(worker.called("kubeha-etcd-snapshot"), worker.calls().toString());
    }

    @Test
    void aNodeLeavingTheClusterLosesItsTimerAndCommandButKeepsItsSnapshots() throws IOException {
        ScriptHarness h = node();
        assertEquals(0, h.run(EtcdScripts.backup(CONFIG, MASTER1)).exitCode());
        Path snapshot = Files.createDirectories(h.root().resolve("var/lib/kubeha/etcd-backups")).resolve("etcd-k8s-master1-20261207T000000Z-scheduled.db");
        Files.writeString(snapshot, "snapshot");
        ScriptHarness.Run reset = h.run(NodeScripts.reset(CONFIG, MASTER1));
        assertEquals(0, reset.exitCode(), reset.stderr());
        assertTrue(reset.called("systemctl disable --now kubeha-etcd-snapshot.timer"), reset.calls().toString());
        assertFalse(Files.exists(h.root().resolve("etc/systemd/system/kubeha-etcd-snapshot.timer")));
        assertFalse(Files.exists(h.root().resolve("usr/local/sbin/kubeha-etcd-snapshot")));
        assertTrue(Files.exists(snapshot), "the snapshots stay");
    }

    @Test
    void aRestoreWithoutTheSnapshotOnTheNodeChangesNothingAndSaysWhatToDo() throws IOException {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stubs("ctr", "crictl");
        Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        Files.writeString(h.root().resolve("etc/kubernetes/manifests/etcd.yaml"), "    image: registry.k8s.io/etcd:3.5.24-0\n");
        ScriptHarness.Run run = h.run(EtcdScripts.restore(CONFIG, MASTER3));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("the snapshot /root/etcd-snapshot.db (etcdRestoreFrom) is not on k8s-master3; copy the same file"),
                run.stderr());
        assertEquals(List.of(), run.calls());
        assertTrue(Files.exists(h.root().resolve("etc/kubernetes/manifests/etcd.yaml")));
    }

    @Test
    void aRestoreInterruptedWhileTheControlPlaneWasStoppedFinishesOnTheNextRunAndOnlyOnce() throws IOException {
        // The stand-in etcdutl (ctr run) writes a member directory where --data-dir says, as etcdutl does.
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("ctr", "case \"$*\" in *--help*) exit 0;; esac; prev=; for a; do "
                        + "[ \"$prev\" = --data-dir ] && mkdir -p \"$KUBEHA_ROOT$a/member\"; prev=\"$a\"; done; exit 0")
                .stubs("crictl");
        Path held = Files.createDirectories(h.root().resolve("etc/kubernetes/kubeha-restore-held-manifests"));
        Files.writeString(held.resolve("etcd.yaml"), "    image: registry.k8s.io/etcd:3.5.24-0\n");
        Files.writeString(held.resolve("kube-apiserver.yaml"), "kind: Pod\n");
        Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        Files.createDirectories(h.root().resolve("var/lib/etcd/member"));
        Files.createDirectories(h.root().resolve("root"));
        Files.writeString(h.root().resolve("root/etcd-snapshot.db"), "snapshot");

        ScriptHarness.Run run = h.run(EtcdScripts.restore(CONFIG, MASTER3));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(Files.exists(h.root().resolve("etc/kubernetes/manifests/etcd.yaml"))
                && Files.exists(h.root().resolve("etc/kubernetes/manifests/kube-apiserver.yaml")), "the control plane is back");
        assertFalse(Files.exists(held));
        assertTrue(Files.isDirectory(h.root().resolve("var/lib/etcd/member")));
        try (Stream<Path> kept = Files.list(h.root().resolve("var/lib"))) {
            assertEquals(1, kept.filter(p -> p.getFileName().toString().startsWith("etcd.before-restore-")).count(), "the old data is kept");
        }
        ScriptHarness.Run again = h.run(EtcdScripts.restore(CONFIG, MASTER3));
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(List.of(), again.calls(), "restored once");
    }

    @Test
    void aSnapshotEtcdutlCannotRestoreLeavesTheNodeAsItWas() throws IOException {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("ctr", "case \"$*\" in *--help*) echo '--bump-revision uint';; *) echo 'snapshot file integrity check failed' >&2; exit 1;; esac")
                .stubs("crictl");
        Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        Files.writeString(h.root().resolve("etc/kubernetes/manifests/etcd.yaml"), "    image: registry.k8s.io/etcd:3.5.24-0\n");
        Files.createDirectories(h.root().resolve("var/lib/etcd/member"));
        Files.createDirectories(h.root().resolve("root"));
        Files.writeString(h.root().resolve("root/etcd-snapshot.db"), "not a snapshot");
        ScriptHarness.Run run = h.run(EtcdScripts.restore(CONFIG, MASTER3));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("etcdutl snapshot restore of /root/etcd-snapshot.db failed on k8s-master3; nothing was changed"), run.stderr());
        assertTrue(run.called("ctr -n k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw registry.k8s.io/etcd:3.5.24-0"),
                run.calls().toString());
        assertTrue(run.calls().stream().anyMatch(c -> c.contains("--bump-revision 1000000000 --mark-compacted")),
                "an etcdutl that has it bumps the revision: " + run.calls());
        assertTrue(Files.exists(h.root().resolve("etc/kubernetes/manifests/etcd.yaml")) && Files.isDirectory(h.root().resolve("var/lib/etcd/member")));
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha-etcd-restore")));
    }
}
