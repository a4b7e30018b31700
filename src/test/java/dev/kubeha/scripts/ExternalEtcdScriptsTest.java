package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.RawConfig;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The external etcd, for real: kubeha's etcd node scripts, run through the script harness as the provider runs them,
 * make the etcd CA, start a real 3-member etcd (Debian's etcd-server, TLS between members and to clients, one loopback
 * address per node with kubeadm's ports 2379 and 2380), and the API server's client certificate reads and writes it;
 * a second run changes nothing; a member whose machine is replaced alive leaves (its delete) and its new machine
 * joins; a member whose machine is lost is replaced by a new machine at its address.
 * <p>
 * Stood in for, and only these: kubeadm ({@code src/test/resources/etcd/kubeadm-stand-in.sh}: openssl makes the
 * certificates with kubeadm's subjects, SANs and usages; "etcd local" starts the host's etcd with the flags of kubeadm's
 * static pod, as the kubelet would run it), and the container runtime ({@code crictl exec ... etcdctl} and
 * {@code ctr run ... etcdctl} run the host's etcdctl 3.4 with the same flags, the container's /etc/kubernetes and
 * /var/lib being the node's, and the member's own 127.0.0.1 URL being its address: every member here shares one
 * loopback; {@code ctr run ... etcdutl} is the host's etcdctl 3.4, whose {@code snapshot restore} takes etcdutl's
 * flags: etcd-io/etcd v3.4 etcdctl/README.md "SNAPSHOT RESTORE").
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class ExternalEtcdScriptsTest {
    static final Map<String, String> ADDRESSES = new LinkedHashMap<>();
    static final Path KUBEADM = Path.of("src/test/resources/etcd/kubeadm-stand-in.sh").toAbsolutePath();

    static {
        ADDRESSES.put("k8s-etcd1", "127.0.31.11");
        ADDRESSES.put("k8s-etcd2", "127.0.31.12");
        ADDRESSES.put("k8s-etcd3", "127.0.31.13");
    }

    @BeforeAll
    static void etcdAndOpensslInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
        assumeTrue(Netns.onPath("openssl"), "needs openssl (the certificates' stand-in for kubeadm's)");
    }

    static ClusterConfig config() {
        return config(ADDRESSES);
    }

    /** A stack whose etcd nodes are at these loopback addresses (name to address). */
    static ClusterConfig config(Map<String, String> addresses) {
        return ClusterConfigParser.parseOrThrow(RawConfig.of(Map.of(
                "provisioner", "existing",
                "sshPrivateKey", "unused",
                "vip", "127.0.31.100",
                "loadBalancers", "[\"k8s-lb1=127.0.31.5\",\"k8s-lb2=127.0.31.6\"]",
                "controlPlaneNodes", "[\"k8s-master1=127.0.31.10\"]",
                "etcdNodes", "[" + String.join(",", addresses.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "=" + e.getValue() + "\"").toList()) + "]")));
    }

    /** A fresh etcd node (a new machine): kubeadm and the container runtime stood in for. */
    static ScriptHarness machine(String name) {
        return machine(name, ADDRESSES.get(name));
    }

    /** A fresh etcd node at this loopback address. */
    static ScriptHarness machine(String name, String address) {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        String mapArgs = "args=(); for a; do case \"$a\" in --endpoints=https://127.0.0.1:2379) args+=(\"--endpoints=https://"
                + address + ":2379\");; *=/etc/kubernetes/*) args+=(\"${a%%=*}=$KUBEHA_ROOT${a#*=}\");; "
                + "/var/lib/*) args+=(\"$KUBEHA_ROOT$a\");; *) args+=(\"$a\");; esac; done; ";
        String alive = "[ -f \"$KUBEHA_ROOT/etcd.pid\" ] && kill -0 \"$(cat \"$KUBEHA_ROOT/etcd.pid\")\" 2>/dev/null";
        // The kubelet's part: a static pod whose manifest left /etc/kubernetes/manifests is stopped (seen by the
        // next crictl ps, within 10 s), and crictl ps lists etcd only while its manifest is there and it runs.
        String kubelet = "if [ ! -f \"$KUBEHA_ROOT/etc/kubernetes/manifests/etcd.yaml\" ] && " + alive + "; then "
                + "pid=\"$(cat \"$KUBEHA_ROOT/etcd.pid\")\"; kill \"$pid\"; "
                + "for _ in $(seq 1 100); do kill -0 \"$pid\" 2>/dev/null || break; /bin/sleep 0.1; done; "
                + "rm -f \"$KUBEHA_ROOT/etcd.pid\"; fi; ";
        return h.stub("kubeadm", "exec bash " + ScriptHarness.shellQuote(KUBEADM.toString()) + " \"$@\"")
                .stub("crictl", "[ \"$1\" = --runtime-endpoint ] && shift 2; case \"$1\" in "
                        + "pull) exit 0;; "
                        + "ps) " + kubelet + "if " + alive + "; then echo etcd-standin-$(cat \"$KUBEHA_ROOT/etcd.pid\"); fi;; "
                        + "exec) shift 2; [ \"$1\" = etcdctl ] || exit 1; shift; " + mapArgs + "exec /usr/bin/etcdctl \"${args[@]}\";; "
                        + "*) exit 1;; esac")
                .stub("ctr", "while [ \"$1\" != etcdctl ] && [ \"$1\" != etcdutl ]; do shift; done; shift; " + mapArgs
                        + "exec /usr/bin/etcdctl \"${args[@]}\"")
                .stub("sleep", "exec /bin/sleep 0.1")
                .stubs("systemctl");
    }

    /** The node's etcd process (the static pod) stops, as when its machine dies. */
    static void kill(ScriptHarness node) throws IOException, InterruptedException {
        Path pid = node.root().resolve("etcd.pid");
        if (Files.exists(pid)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(p -> {
                p.destroy();
                p.onExit().orTimeout(10, TimeUnit.SECONDS).join();
            });
            Files.delete(pid);
        }
    }

    /**
     * {@code <node>-etcd-member} on every etcd node of {@code config} at once, as the engine runs them (none waits for
     * another); each must succeed within 90 s. The runs, in the order of the config's etcd nodes.
     */
    static List<ScriptHarness.Run> startMembersTogether(ClusterConfig config, Map<String, ScriptHarness> nodes,
                                                        EtcdNodeScripts.Credentials etcd) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(config.etcdNodes().size());
        try {
            List<Future<ScriptHarness.Run>> started = new ArrayList<>();
            for (Node n : config.etcdNodes()) {
                started.add(pool.submit(() -> nodes.get(n.name()).run(EtcdNodeScripts.member(config, n, etcd))));
            }
            List<ScriptHarness.Run> runs = new ArrayList<>();
            for (int i = 0; i < started.size(); i++) {
                ScriptHarness.Run r = started.get(i).get(90, TimeUnit.SECONDS);
                assertEquals(0, r.exitCode(), config.etcdNodes().get(i).name() + ":\n" + r.stderr());
                runs.add(r);
            }
            return runs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The node's etcd process starts again from its manifest's command, as the kubelet restarts the static pod. */
    static void restart(ScriptHarness node) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", node.root().resolve("etcd.run").toString());
        pb.environment().put("KUBEHA_ROOT", node.root().toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "etcd.run started the member");
    }

    /** etcdctl as the API server: the etcd CA and the client certificate kubeha gives the control plane. */
    record ApiServerClient(Path dir) {
        static ApiServerClient of(EtcdNodeScripts.Credentials etcd, Path dir) throws IOException {
            Files.write(dir.resolve("ca.crt"), Base64.getDecoder().decode(etcd.caCert()));
            Files.write(dir.resolve("apiserver-etcd-client.crt"), Base64.getDecoder().decode(etcd.clientCert()));
            Files.write(dir.resolve("apiserver-etcd-client.key"), Base64.getDecoder().decode(etcd.clientKey()));
            return new ApiServerClient(dir);
        }

        Netns.Result etcdctl(String endpoint, String... args) {
            List<String> argv = new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints=https://" + endpoint + ":2379",
                    "--dial-timeout=3s", "--command-timeout=5s", "--cacert=" + dir.resolve("ca.crt"),
                    "--cert=" + dir.resolve("apiserver-etcd-client.crt"), "--key=" + dir.resolve("apiserver-etcd-client.key")));
            argv.addAll(List.of(args));
            return Netns.exec(argv.toArray(String[]::new));
        }

        List<String> members(String endpoint) {
            Netns.Result r = etcdctl(endpoint, "member", "list", "-w", "simple");
            assertEquals(0, r.exitCode(), r.output());
            return r.output().lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @Test
    void threeMembersFromTheEtcdCaServeTheApiServersCertificateAndAMemberIsReplacedAliveOrLost() throws Exception {
        ClusterConfig config = config();
        Map<String, ScriptHarness> nodes = new LinkedHashMap<>();
        List<ScriptHarness> all = new ArrayList<>();
        ADDRESSES.keySet().forEach(n -> nodes.put(n, machine(n)));
        all.addAll(nodes.values());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            // <etcd1>-etcd-ca: the CA and the client certificate, printed for the state (a secret), logged nowhere.
            ScriptHarness.Run ca = nodes.get("k8s-etcd1").run(EtcdNodeScripts.ca(config));
            assertEquals(0, ca.exitCode(), ca.stderr());
            EtcdNodeScripts.Credentials etcd = EtcdNodeScripts.Credentials.parse(ca.stdout());
            assertFalse(ca.stderr().contains(etcd.caKey()) || ca.stderr().contains(etcd.clientKey()), ca.stderr());

            // <node>-etcd-member on every node at once, as the engine runs them (none waits for another).
            for (ScriptHarness.Run r : startMembersTogether(config, nodes, etcd)) {
                assertTrue(r.stderr().contains("(new cluster: k8s-etcd1=https://127.0.31.11:2380,"), r.stderr());
                assertFalse(r.stderr().contains(etcd.caKey()), "the CA key is in no log");
            }
            assertTrue(Files.exists(nodes.get("k8s-etcd1").root().resolve("etc/kubernetes/pki/etcd/ca.key")));
            for (String n : List.of("k8s-etcd2", "k8s-etcd3")) {
                assertFalse(Files.exists(nodes.get(n).root().resolve("etc/kubernetes/pki/etcd/ca.key")), n + " keeps no CA key");
            }
            Netns.Result san = Netns.exec("openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName,extendedKeyUsage", "-in",
                    nodes.get("k8s-etcd2").root().resolve("etc/kubernetes/pki/etcd/server.crt").toString());
            assertTrue(san.output().contains("IP Address:127.0.31.12") && san.output().contains("DNS:k8s-etcd2"), san.output());

            // The control plane's view: the client certificate kubeha hands to kubeadm init reads and writes.
            Path clientDir = Files.createDirectories(nodes.get("k8s-etcd1").dir().resolve("api-server"));
            ApiServerClient api = ApiServerClient.of(etcd, clientDir);
            assertEquals(0, api.etcdctl("127.0.31.11", "put", "/registry/kubeha-test", "written by the API server").exitCode());
            for (String address : ADDRESSES.values()) {
                assertTrue(api.etcdctl(address, "get", "/registry/kubeha-test").output().contains("written by the API server"), address);
            }
            assertEquals(3, api.members("127.0.31.11").size());

            // pulumi up again: nothing changes (and a node other than the first never holds the CA key again).
            ScriptHarness.Run again = nodes.get("k8s-etcd3").run(EtcdNodeScripts.member(config, config.etcdNodes().get(2), etcd));
            assertEquals(0, again.exitCode(), again.stderr());
            assertTrue(again.stderr().contains("k8s-etcd3 is an etcd member already"), again.stderr());
            assertFalse(again.called("ctr") || again.called("kubeadm init phase"), again.calls().toString());
            assertFalse(again.stderr().contains("wrote"), "no file written: " + again.stderr());

            // A blank machine under the name that made the CA (etcdCaNode still names it) makes no second CA while the
            // members serve: certificates from it would be trusted by none of them.
            ScriptHarness rebuilt = machine("k8s-etcd1");
            all.add(rebuilt);
            ScriptHarness.Run secondCa = rebuilt.run(EtcdNodeScripts.ca(config));
            assertEquals(1, secondCa.exitCode(), secondCa.stderr());
            assertTrue(secondCa.stderr().contains("an etcd member already serves at 127.0.31.12:2379, and k8s-etcd1 has no etcd CA"),
                    secondCa.stderr());
            assertFalse(Files.exists(rebuilt.root().resolve("etc/kubernetes/pki/etcd/ca.crt")), "no CA made");
            assertFalse(secondCa.called("kubeadm init phase certs etcd-ca"), secondCa.calls().toString());

            // k8s-etcd2's machine is replaced while it runs: its delete (the old machine) leaves, its new machine joins.
            // etcd refuses the removal until the others have been connected for 5 s (etcd-io/etcd
            // server/etcdserver/server.go mayRemoveMember, HealthInterval); the script's retries wait for that with the
            // real sleep here, not the harness's 0.1 s one (an idle machine got here within 5 s of the start and failed).
            Node e2 = config.etcdNodes().get(1);
            nodes.get("k8s-etcd2").stub("sleep", "exec /bin/sleep \"$@\"");
            ScriptHarness.Run left = nodes.get("k8s-etcd2").delete(EtcdNodeScripts.memberRemove(config, e2),
                    EtcdNodeScripts.member(config, e2, etcd));
            assertEquals(0, left.exitCode(), left.stderr());
            assertEquals(2, api.members("127.0.31.11").size(), "the member left: " + api.members("127.0.31.11"));
            ScriptHarness newE2 = machine("k8s-etcd2");
            all.add(newE2);
            ScriptHarness.Run joined = newE2.run(EtcdNodeScripts.member(config, e2, etcd));
            assertEquals(0, joined.exitCode(), joined.stderr());
            assertTrue(joined.stderr().contains("added k8s-etcd2 to the etcd cluster"), joined.stderr());
            assertTrue(joined.stderr().contains("(existing cluster:"), joined.stderr());

            // k8s-etcd3's machine is lost with its data; a new machine at its address replaces the member.
            kill(nodes.get("k8s-etcd3"));
            Node e3 = config.etcdNodes().get(2);
            ScriptHarness newE3 = machine("k8s-etcd3");
            all.add(newE3);
            ScriptHarness.Run replaced = newE3.run(EtcdNodeScripts.member(config, e3, etcd));
            assertEquals(0, replaced.exitCode(), replaced.stderr());
            assertTrue(replaced.stderr().contains("of k8s-etcd3's lost machine"), replaced.stderr());

            List<String> members = api.members("127.0.31.13");
            assertEquals(3, members.size(), members.toString());
            for (Map.Entry<String, String> e : ADDRESSES.entrySet()) {
                assertTrue(members.stream().anyMatch(l -> l.contains(", started, " + e.getKey() + ", https://" + e.getValue() + ":2380")),
                        members.toString());
            }
            assertTrue(api.etcdctl("127.0.31.13", "get", "/registry/kubeha-test").output().contains("written by the API server"),
                    "the new member has the cluster's data");
            assertEquals(0, api.etcdctl("127.0.31.12", "put", "/registry/kubeha-test", "after the replacements").exitCode());
        } finally {
            pool.shutdownNow();
            for (ScriptHarness node : all) {
                kill(node);
                TempDirs.delete(node.dir());
            }
        }
    }
}
