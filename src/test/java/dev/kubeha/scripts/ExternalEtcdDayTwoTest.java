package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.RawConfig;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.scripts.ExternalEtcdScriptsTest.ApiServerClient;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The external etcd's day 2, for real: the same three members as {@link ExternalEtcdScriptsTest} (Debian's etcd on
 * loopback addresses, TLS between members and to clients, started by kubeha's etcd node scripts), then
 * <ul>
 *   <li>the membership check on the first etcd node ({@code <first>-etcd-members}, etcd/membership.sh, the control
 *   plane's check) refuses replacing two etcd nodes in one run, and adding one while a member is dead; it reads the
 *   cluster when its own node's member is down; and a member's removal that would lose quorum is refused on the node;
 *   </li>
 *   <li>disaster recovery: a snapshot by kubeha's snapshot command, two members lost with their data (no quorum), and
 *   the stack's restore steps (the control plane's API server stopped, every etcd node restored one after the other,
 *   the wait for the whole cluster, the API server started again) bring back the snapshot's data and three members.
 *   </li>
 * </ul>
 * Stood in for, as in {@link ExternalEtcdScriptsTest}: kubeadm and the container runtime; the kubelet is the test,
 * which stops a member as its manifest leaves and starts it again from its manifest's command ({@code etcd.run});
 * the control-plane node's kube-apiserver "runs" while its manifest is in place and answers /readyz once it also
 * reaches etcd with the client certificate kubeha gave it.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class ExternalEtcdDayTwoTest {
    static final Map<String, String> MORE = Map.of("k8s-etcd4", "127.0.31.14", "k8s-etcd5", "127.0.31.15");

    private final Map<String, ScriptHarness> nodes = new LinkedHashMap<>();
    private final List<ScriptHarness> all = new ArrayList<>();
    private EtcdNodeScripts.Credentials etcd;
    private ApiServerClient api;

    @BeforeAll
    static void etcdAndOpensslInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
        assumeTrue(Netns.onPath("openssl"), "needs openssl (the certificates' stand-in for kubeadm's)");
    }

    /** The stack with these etcd nodes (names of ExternalEtcdScriptsTest.ADDRESSES or MORE) and more settings. */
    static ClusterConfig stack(List<String> etcdNodes, Map<String, String> more) {
        Map<String, String> raw = new LinkedHashMap<>(Map.of(
                "provisioner", "existing",
                "sshPrivateKey", "unused",
                "vip", "127.0.31.100",
                "loadBalancers", "[\"k8s-lb1=127.0.31.5\",\"k8s-lb2=127.0.31.6\"]",
                "controlPlaneNodes", "[\"k8s-master1=127.0.31.10\"]",
                "etcdNodes", "[" + String.join(",", etcdNodes.stream().map(n -> "\"" + n + "="
                        + ExternalEtcdScriptsTest.ADDRESSES.getOrDefault(n, MORE.get(n)) + "\"").toList()) + "]"));
        raw.putAll(more);
        return ClusterConfigParser.parseOrThrow(RawConfig.of(raw));
    }

    static ClusterConfig stack(String... etcdNodes) {
        return stack(List.of(etcdNodes), Map.of());
    }

    /** The three members started together by <etcd1>-etcd-ca and every <node>-etcd-member, as the engine runs them. */
    @BeforeEach
    void threeMembers() throws Exception {
        ClusterConfig config = stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3");
        ExternalEtcdScriptsTest.ADDRESSES.keySet().forEach(n -> nodes.put(n, ExternalEtcdScriptsTest.machine(n)));
        all.addAll(nodes.values());
        ScriptHarness.Run ca = nodes.get("k8s-etcd1").run(EtcdNodeScripts.ca(config));
        assertEquals(0, ca.exitCode(), ca.stderr());
        etcd = EtcdNodeScripts.Credentials.parse(ca.stdout());
        ExternalEtcdScriptsTest.startMembersTogether(config, nodes, etcd);
        api = ApiServerClient.of(etcd, Files.createDirectories(nodes.get("k8s-etcd1").dir().resolve("api-server")));
        assertEquals(3, api.members("127.0.31.11").size());
    }

    @AfterEach
    void machinesGone() throws Exception {
        for (ScriptHarness node : all) {
            ExternalEtcdScriptsTest.kill(node);
            TempDirs.delete(node.dir());
        }
    }

    @Test
    void replacingTwoEtcdNodesAtOnceOrOneWhileAMemberIsDeadIsRefusedBeforeAnythingChanges() throws Exception {
        ScriptHarness first = nodes.get("k8s-etcd1");

        ScriptHarness.Run two = first.run(EtcdNodeScripts.membership(stack("k8s-etcd1", "k8s-etcd4", "k8s-etcd5")));
        assertEquals(1, two.exitCode(), two.stderr());
        // (the leaving members in etcd's order, by member ID)
        assertTrue(two.stderr().matches("(?s).*kubeha:etcdNodes removes 2 etcd members at once \\((k8s-etcd2 k8s-etcd3|k8s-etcd3"
                + " k8s-etcd2)\\): remove or replace one node per pulumi up.*"), two.stderr());
        ScriptHarness.Run one = first.run(EtcdNodeScripts.membership(stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd4")));
        assertEquals(0, one.exitCode(), "one etcd node replaced keeps quorum (3 -> 4 -> 3): " + one.stderr());
        assertTrue(one.stderr().contains("etcd has 3 member(s), 3 answering; joining: 1; leaving: k8s-etcd3"), one.stderr());

        // The check runs on the first etcd node, and reads the cluster through another member when its own is down.
        ExternalEtcdScriptsTest.kill(first);
        ScriptHarness.Run ownDown = first.run(EtcdNodeScripts.membership(stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3")));
        assertEquals(0, ownDown.exitCode(), ownDown.stderr());
        assertTrue(ownDown.stderr().contains("etcd has 3 member(s), 2 answering; joining: 0; leaving: none"), ownDown.stderr());
        ExternalEtcdScriptsTest.restart(first);
        assertTrue(healthyWithin(30, "127.0.31.11"), "k8s-etcd1 is back");

        // k8s-etcd3 dies. Replacing k8s-etcd2 now would add a member etcd refuses, then leave 1 of 2 answering.
        ExternalEtcdScriptsTest.kill(nodes.get("k8s-etcd3"));
        ScriptHarness.Run whileDead = first.run(EtcdNodeScripts.membership(stack("k8s-etcd1", "k8s-etcd4", "k8s-etcd3")));
        assertEquals(1, whileDead.exitCode(), whileDead.stderr());
        assertTrue(whileDead.stderr().contains("kubeha:etcdNodes adds 1 node(s) while 1 of 3 etcd members do not answer;"
                + " etcd refuses new members then. Bring the dead member back, or replace its machine at the same name"
                + " and address"), whileDead.stderr());
        // Its own replacement at its name and address is what the check lets through (member.sh replaces the member).
        ScriptHarness.Run sameAddress = first.run(EtcdNodeScripts.membership(stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3")));
        assertEquals(0, sameAddress.exitCode(), sameAddress.stderr());

        // The removal on the leaving node checks again: with k8s-etcd3 dead, k8s-etcd2 stays a member.
        ClusterConfig config = stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3");
        ScriptHarness.Run removal = nodes.get("k8s-etcd2").delete(EtcdNodeScripts.memberRemove(config, config.etcdNodes().get(1)),
                EtcdNodeScripts.member(config, config.etcdNodes().get(1), etcd));
        assertEquals(1, removal.exitCode(), removal.stderr());
        assertTrue(removal.stderr().contains("removing k8s-etcd2 would leave etcd without quorum (1 of 2 remaining members"
                + " answer); nothing was changed"), removal.stderr());
        assertFalse(removal.calls().stream().anyMatch(c -> c.contains("member remove") || c.startsWith("kubeadm reset")),
                removal.calls().toString());
        assertEquals(3, api.members("127.0.31.11").size(), "nothing changed: " + api.members("127.0.31.11"));
    }

    /**
     * A refused membership check does not stop every removal: under {@code pulumi up --continue-on-error} the engine
     * still runs the deletes that do not depend on it (pulumi/pulumi pkg/resource/deploy/step_executor.go
     * cancelDueToError, deployment_executor.go performPostSteps). Two etcd nodes dropped at once: the first removal
     * goes, the second finds fewer members than it was planned with and stays.
     */
    @Test
    void aSecondRemovalInOneRunIsRefusedWhenAnotherMemberLeftFirst() throws Exception {
        ClusterConfig config = stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3");
        // etcd removes a member only once the others have been connected for 5 s (etcd-io/etcd
        // server/etcdserver/server.go mayRemoveMember, isConnectedFullySince HealthInterval); here they just started.
        Thread.sleep(6000);
        ScriptHarness.Run third = nodes.get("k8s-etcd3").delete(EtcdNodeScripts.memberRemove(config, config.etcdNodes().get(2)),
                EtcdNodeScripts.member(config, config.etcdNodes().get(2), etcd));
        assertEquals(0, third.exitCode(), third.stderr());
        assertEquals(2, api.members("127.0.31.11").size(), api.members("127.0.31.11").toString());

        ScriptHarness.Run second = nodes.get("k8s-etcd2").delete(EtcdNodeScripts.memberRemove(config, config.etcdNodes().get(1)),
                EtcdNodeScripts.member(config, config.etcdNodes().get(1), etcd));
        assertEquals(1, second.exitCode(), second.stderr());
        assertTrue(second.stderr().contains("etcd has 2 members, fewer than the 3 this removal of k8s-etcd2 was planned"
                + " with"), second.stderr());
        assertFalse(second.calls().stream().anyMatch(c -> c.contains("member remove") || c.startsWith("kubeadm reset")),
                second.calls().toString());
        assertEquals(2, api.members("127.0.31.11").size(), "k8s-etcd2 stays: " + api.members("127.0.31.11"));
    }

    @Test
    void aClusterThatLostQuorumComesBackFromASnapshotOnEveryEtcdNodeAndTheApiServerWithIt() throws Exception {
        ClusterConfig config = stack("k8s-etcd1", "k8s-etcd2", "k8s-etcd3");
        ScriptHarness first = nodes.get("k8s-etcd1");
        assertEquals(0, api.etcdctl("127.0.31.11", "put", "/registry/kubeha-test/before", "in the snapshot").exitCode());

        // kubeha's snapshot command on the first etcd node (<node>-etcd-backup installs it; here run by hand).
        ScriptHarness.Run installed = first.run(EtcdScripts.backup(config, config.etcdNodes().get(0)));
        assertEquals(0, installed.exitCode(), installed.stderr());
        ScriptHarness.Run saved = EtcdBackupScriptsTest.runAsTheTimer(first, "manual");
        assertEquals(0, saved.exitCode(), saved.stderr());
        Path snapshot;
        try (Stream<Path> files = Files.list(first.root().resolve("var/lib/kubeha/etcd-backups"))) {
            snapshot = files.filter(p -> p.getFileName().toString().matches("etcd-k8s-etcd1-\\d{8}T\\d{6}Z-manual\\.db"))
                    .findFirst().orElseThrow();
        }
        assertEquals(0, api.etcdctl("127.0.31.11", "put", "/registry/kubeha-test/after", "not in the snapshot").exitCode());

        // Disaster: two etcd machines lose their member and its data. The survivor accepts no write.
        for (String dead : List.of("k8s-etcd2", "k8s-etcd3")) {
            ExternalEtcdScriptsTest.kill(nodes.get(dead));
            TempDirs.delete(nodes.get(dead).root().resolve("var/lib/etcd"));
        }
        assertNotEquals(0, api.etcdctl("127.0.31.11", "put", "/registry/kubeha-test/no-quorum", "x").exitCode());

        // The user copies the snapshot to every etcd node and sets etcdRestoreFrom.
        for (ScriptHarness node : nodes.values()) {
            Files.createDirectories(node.root().resolve("root"));
            Files.copy(snapshot, node.root().resolve("root/etcd-restore.db"), StandardCopyOption.REPLACE_EXISTING);
        }
        ClusterConfig restoring = stack(List.of("k8s-etcd1", "k8s-etcd2", "k8s-etcd3"), Map.of("etcdRestoreFrom", "/root/etcd-restore.db"));

        // <first>-etcd-members runs again (its script names etcdRestoreFrom): the lost quorum is what this run
        // repairs, so it lets the restore through; a node joining or leaving in the same run is still refused.
        ScriptHarness.Run check = first.run(EtcdNodeScripts.membership(restoring));
        assertEquals(0, check.exitCode(), check.stderr());
        // (a member without quorum fails etcdctl endpoint health too: none answers)
        assertTrue(check.stderr().contains("etcd has no quorum (0 of 3 members answer): kubeha:etcdRestoreFrom restores it"
                + " in this run"), check.stderr());
        ScriptHarness.Run replacing = first.run(EtcdNodeScripts.membership(stack(List.of("k8s-etcd1", "k8s-etcd2", "k8s-etcd4"),
                Map.of("etcdRestoreFrom", "/root/etcd-restore.db"))));
        assertEquals(1, replacing.exitCode(), replacing.stderr());
        assertTrue(replacing.stderr().contains("kubeha:etcdNodes adds 1 and removes 1 etcd member(s) while"
                + " kubeha:etcdRestoreFrom restores etcd"), replacing.stderr());
        Node master = restoring.controlPlane().get(0);
        ScriptHarness controlPlane = controlPlaneNode();

        // <master>-restore-api-stop, then every <etcd>-etcd-restore one after the other, then etcd-restored.
        ScriptHarness.Run stopped = controlPlane.run(EtcdScripts.restoreApiServer(restoring, master, "stop"));
        assertEquals(0, stopped.exitCode(), stopped.stderr());
        assertFalse(Files.exists(controlPlane.root().resolve("etc/kubernetes/manifests/kube-apiserver.yaml")), "the API server stopped");
        for (Node member : restoring.etcdNodes()) {
            ScriptHarness node = nodes.get(member.name());
            // The test's kubelet (ExternalEtcdScriptsTest.machine's crictl) stops k8s-etcd1's running member only
            // once restore.sh has moved its manifest aside.
            ScriptHarness.Run restored = node.run(EtcdScripts.restore(restoring, member));
            assertEquals(0, restored.exitCode(), member.name() + ": " + restored.stderr());
            assertTrue(Files.exists(node.root().resolve("etc/kubernetes/manifests/etcd.yaml")), "the manifest is back");
            ExternalEtcdScriptsTest.restart(node);  // ... and starts it again on the restored data
        }
        ScriptHarness.Run whole = first.run(EtcdScripts.restored(restoring));
        assertEquals(0, whole.exitCode(), whole.stderr());
        assertTrue(whole.stderr().contains("the etcd cluster restored from /root/etcd-restore.db has 3 healthy members"), whole.stderr());

        // <master>-restore-api-start: the API server back, and ready on the restored etcd.
        ScriptHarness.Run started = controlPlane.run(EtcdScripts.restoreApiServer(restoring, master, "start"));
        assertEquals(0, started.exitCode(), started.stderr());
        assertTrue(started.stderr().contains("the API server of k8s-master1 is back on the etcd restored from /root/etcd-restore.db"), started.stderr());

        assertTrue(api.etcdctl("127.0.31.12", "get", "/registry/kubeha-test/before").output().contains("in the snapshot"));
        assertEquals("", api.etcdctl("127.0.31.13", "get", "/registry/kubeha-test/after").output().strip(),
                "the snapshot's data, not later writes");
        List<String> members = api.members("127.0.31.11");
        assertEquals(3, members.size(), members.toString());
        for (Map.Entry<String, String> e : ExternalEtcdScriptsTest.ADDRESSES.entrySet()) {
            assertTrue(members.stream().anyMatch(l -> l.contains(", started, " + e.getKey() + ", https://" + e.getValue() + ":2380")),
                    members.toString());
        }
        assertEquals(0, api.etcdctl("127.0.31.13", "put", "/registry/kubeha-test/after-restore", "writes again").exitCode());

        // pulumi up again with the setting still there: nothing is restored twice.
        ScriptHarness.Run again = nodes.get("k8s-etcd2").run(EtcdScripts.restore(restoring, restoring.etcdNodes().get(1)));
        assertEquals(0, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("restored its etcd from /root/etcd-restore.db already"), again.stderr());
        assertTrue(api.etcdctl("127.0.31.12", "get", "/registry/kubeha-test/after-restore").output().contains("writes again"));
    }

    /**
     * The control-plane node: its static pods' manifests, a kube-apiserver that runs while its manifest is there (the
     * kubelet's part) and is ready while it also reaches etcd with kubeha's client certificate.
     */
    private ScriptHarness controlPlaneNode() throws IOException {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        all.add(h);
        Path manifests = Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        for (String pod : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
            Files.writeString(manifests.resolve(pod + ".yaml"), "kind: Pod\n");
        }
        String running = "[ -f \"$KUBEHA_ROOT/etc/kubernetes/manifests/kube-apiserver.yaml\" ]";
        String etcdReached = "/usr/bin/etcdctl --endpoints=https://127.0.31.11:2379,https://127.0.31.12:2379,https://127.0.31.13:2379"
                + " --dial-timeout=3s --command-timeout=5s --cacert=" + api.dir().resolve("ca.crt")
                + " --cert=" + api.dir().resolve("apiserver-etcd-client.crt") + " --key=" + api.dir().resolve("apiserver-etcd-client.key")
                + " get /registry/kubeha-test/before >/dev/null 2>&1";
        return h.stub("crictl", "[ \"$1\" = --runtime-endpoint ] && shift 2; case \"$1\" in "
                        + "ps) if " + running + "; then echo kube-apiserver-standin; fi;; *) exit 1;; esac")
                .stub("curl", "case \"$*\" in *127.0.31.10:6443/readyz*) if " + running + " && " + etcdReached
                        + "; then printf ok; fi;; *) exit 7;; esac")
                .stub("sleep", "exec /bin/sleep 0.1");
    }

    private boolean healthyWithin(int seconds, String address) throws InterruptedException {
        for (int i = 0; i < seconds * 2; i++) {
            if (api.etcdctl(address, "endpoint", "health").exitCode() == 0) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }
}
