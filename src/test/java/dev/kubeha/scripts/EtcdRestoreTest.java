package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.RawConfig;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Disaster recovery, done: a real 3-member etcd (Debian's etcd-server 3.4 on loopback, one address per member with
 * kubeadm's ports 2379 and 2380) holds data; kubeha's own steps, run through the script harness as the provider runs
 * them, install the snapshot command, take a snapshot (the drain before a control-plane node's removal), restore
 * every member from it after two members died with their data, and wait for the restored cluster.
 * <p>
 * Stood in for, and only these: the container runtime. {@code crictl} stands in for the etcd static pod (it "runs"
 * while its member listens; {@code exec ... etcdctl} runs the host's etcdctl against that member, without the TLS
 * flags the plain-HTTP test cluster does not use, the container's /var/lib being the node's); {@code ctr run ...
 * etcdutl} runs the host's etcdctl 3.4, whose {@code snapshot restore} takes the same flags as etcdutl's (Debian ships
 * no etcdutl; etcd-io/etcd v3.4 etcdctl/README.md "SNAPSHOT RESTORE"), with https:// peer URLs made http://. The kubelet
 * is stood in for by the test: it stops a member before its node's restore and starts it on the restored data after.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class EtcdRestoreTest {
    static final Map<String, String> ADDRESSES = new LinkedHashMap<>();

    static {
        ADDRESSES.put("k8s-master1", "127.0.21.11");
        ADDRESSES.put("k8s-master2", "127.0.21.12");
        ADDRESSES.put("k8s-master3", "127.0.21.13");
    }

    @BeforeAll
    static void etcdInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
    }

    /** The stack, its control-plane nodes at the loopback addresses above. */
    static ClusterConfig config(Map<String, String> more) {
        Map<String, String> raw = new LinkedHashMap<>(Map.of(
                "provisioner", "existing",
                "sshPrivateKey", "unused",
                "vip", "127.0.21.100",
                "loadBalancers", "[\"k8s-lb1=127.0.21.5\",\"k8s-lb2=127.0.21.6\"]",
                "controlPlaneNodes", "[" + String.join(",", ADDRESSES.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "=" + e.getValue() + "\"").toList()) + "]"));
        raw.putAll(more);
        return ClusterConfigParser.parseOrThrow(RawConfig.of(raw));
    }

    /** A control-plane node: kubeadm's etcd manifest, the stand-in container runtime aimed at its member. */
    static ScriptHarness node(LocalEtcd etcd, String name) {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        try {
            Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
            Files.writeString(h.root().resolve("etc/kubernetes/manifests/etcd.yaml"),
                    "spec:\n  containers:\n  - command:\n    - etcd\n    image: registry.k8s.io/etcd:3.5.24-0\n    name: etcd\n");
            Files.writeString(h.root().resolve("etc/kubernetes/manifests/kube-apiserver.yaml"), "kind: Pod\n");
            Files.createDirectories(h.root().resolve("var/lib/etcd"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String address = ADDRESSES.get(name);
        String mapArgs = "args=(); for a; do a=\"${a//https:\\/\\//http://}\"; case \"$a\" in "
                + "--endpoints=*|--cacert=*|--cert=*|--key=*) ;; /var/lib/*) args+=(\"$KUBEHA_ROOT$a\");; *) args+=(\"$a\");; esac; done; ";
        return h.stub("crictl", "[ \"$1\" = --runtime-endpoint ] && shift 2; case \"$1\" in "
                        + "ps) if (exec 3<>/dev/tcp/" + address + "/2379) 2>/dev/null; then echo etcd-standin; fi;; "
                        + "exec) shift 2; [ \"$1\" = etcdctl ] || exit 1; shift; " + mapArgs
                        + "exec /usr/bin/etcdctl --endpoints=" + etcd.clientUrlOf(name) + " --command-timeout=5s \"${args[@]}\";; "
                        + "*) exit 1;; esac")
                .stub("ctr", "while [ \"$1\" != etcdutl ]; do shift; done; shift; " + mapArgs + "exec /usr/bin/etcdctl \"${args[@]}\"")
                .stub("kubectl", "exit 0")
                .stubs("systemctl", "sleep");
    }

    @Test
    void aClusterThatLostQuorumComesBackFromKubehasSnapshotWithItsDataAndThreeMembers() throws IOException {
        try (LocalEtcd etcd = LocalEtcd.atAddresses(ADDRESSES)) {
            ClusterConfig config = config(Map.of());
            Map<String, ScriptHarness> nodes = new LinkedHashMap<>();
            ADDRESSES.keySet().forEach(n -> nodes.put(n, node(etcd, n)));
            List<Node> members = config.controlPlane();
            ScriptHarness first = nodes.get("k8s-master1");

            etcd.etcdctlUntilOk("put", "kubeha-test/before", "in the snapshot");
            ScriptHarness.Run installed = first.run(EtcdScripts.backup(config, members.get(0)));
            assertEquals(0, installed.exitCode(), installed.stderr());
            // The snapshot before a control-plane node's removal, on the first node (the drain's delete script).
            ScriptHarness.Run drained = first.run(NodeScripts.drain(config, members.get(2)));
            assertEquals(0, drained.exitCode(), drained.stderr());
            Path backups = first.root().resolve("var/lib/kubeha/etcd-backups");
            List<Path> snapshots;
            try (var files = Files.list(backups)) {
                snapshots = files.filter(p -> p.getFileName().toString().matches("etcd-k8s-master1-\\d{8}T\\d{6}Z-before-removal\\.db")).toList();
            }
            assertEquals(1, snapshots.size(), "one snapshot in " + backups + ": " + drained.stderr());
            etcd.etcdctlUntilOk("put", "kubeha-test/after", "not in the snapshot");

            // Disaster: two members die and lose their data. The survivor alone has no quorum.
            for (String dead : List.of("k8s-master2", "k8s-master3")) {
                etcd.stop(dead);
                dev.kubeha.testing.TempDirs.delete(etcd.dataDir(dead));
            }
            assertNotEquals(0, etcd.etcdctl("put", "kubeha-test/no-quorum", "x").exitCode(), "the survivor accepts no write");

            // The user copies the snapshot to every control-plane node and sets etcdRestoreFrom.
            String path = "/var/lib/kubeha/etcd-backups/" + snapshots.get(0).getFileName();
            for (ScriptHarness node : nodes.values()) {
                Files.createDirectories(node.root().resolve("var/lib/kubeha/etcd-backups"));
                Files.copy(snapshots.get(0), node.root().resolve(path.substring(1)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ClusterConfig restoring = config(Map.of("etcdRestoreFrom", path));
            for (Node member : members) {
                ScriptHarness node = nodes.get(member.name());
                etcd.stop(member.name());  // the kubelet stops the static pod whose manifest the script moves aside
                ScriptHarness.Run restored = node.run(EtcdScripts.restore(restoring, member));
                assertEquals(0, restored.exitCode(), member.name() + ": " + restored.stderr());
                assertTrue(Files.exists(node.root().resolve("etc/kubernetes/manifests/etcd.yaml")), "the manifests are back");
                etcd.start(member.name(), node.root().resolve("var/lib/etcd"));  // ... and starts it again on them
            }
            first.stub("curl", "case \"$*\" in *readyz*) echo ok;; *) exit 7;; esac");
            ScriptHarness.Run waited = first.run(EtcdScripts.restored(restoring));
            assertEquals(0, waited.exitCode(), waited.stderr());

            assertTrue(etcd.etcdctlUntilOk("get", "kubeha-test/before").output().contains("in the snapshot"));
            assertEquals("", etcd.etcdctlUntilOk("get", "kubeha-test/after").output().strip(), "the snapshot's data, not later writes");
            assertEquals(0, etcd.etcdctl("endpoint", "health", "--cluster").exitCode(), "every member is healthy");
            assertEquals(3, etcd.memberList().size(), etcd.memberList().toString());
            for (String name : ADDRESSES.keySet()) {
                assertTrue(etcd.memberList().stream().anyMatch(l -> l.contains(", " + name + ", http://" + ADDRESSES.get(name) + ":2380")),
                        etcd.memberList().toString());
            }
            etcd.etcdctlUntilOk("put", "kubeha-test/after-restore", "writes again");
            assertTrue(Files.isDirectory(first.root().resolve("var/lib/etcd/member")));

            // pulumi up again with the setting still there: nothing is restored twice.
            ScriptHarness.Run again = first.run(EtcdScripts.restore(restoring, members.get(0)));
            assertEquals(0, again.exitCode(), again.stderr());
            assertTrue(again.stderr().contains("restored its etcd from " + path + " already"), again.stderr());
            assertFalse(again.called("ctr") || again.called("crictl"), again.calls().toString());
            assertTrue(etcd.etcdctlUntilOk("get", "kubeha-test/after-restore").output().contains("writes again"));
        }
    }
}
