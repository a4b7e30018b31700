package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.RawConfig;
import dev.kubeha.render.etcd.EtcdEndpointScripts;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every etcd node replaced by one at a new address, one per {@code pulumi up}, against a real 3-member etcd (Debian's
 * etcd on loopback addresses, plain HTTP): in each run the new member joins, {@code <node>-etcd-servers} moves the API
 * server to the new list, and then the old member is removed, as the engine orders it. After every run the API
 * server's list names exactly the members there are, and at the end none of the original ones: what the hand edits of
 * earlier versions were for.
 * <p>
 * Stood in for: the API server, whose /readyz is ok while a write and a read through the --etcd-servers of its
 * manifest succeed (etcdctl with that list, which fails over between the endpoints as the API server's etcd client
 * does; http here, where kubeadm's are https; the script's check of each new endpoint asks the real etcd's /health);
 * the kubelet and crictl, kubectl's API part and the sleeps as in
 * {@link EtcdEndpointsScriptTest} (the manifest is changed by the real kubectl). The joins and removals are
 * {@link LocalEtcd}'s (kubeha's own are tested in {@link ExternalEtcdScriptsTest} and {@link ExternalEtcdDayTwoTest}).
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class EtcdEndpointsLiveEtcdTest {
    static final Pattern ETCD_SERVERS = Pattern.compile("--etcd-servers=(\\S+)");

    static ClusterConfig config(Map<String, String> etcd) {
        List<String> nodes = new ArrayList<>();
        etcd.forEach((name, address) -> nodes.add("\"" + name + "=" + address + "\""));
        return ClusterConfigParser.parseOrThrow(RawConfig.of(Map.of(
                "provisioner", "existing",
                "sshPrivateKey", "unused",
                "vip", "127.0.41.100",
                "loadBalancers", "[\"k8s-lb1=127.0.41.5\",\"k8s-lb2=127.0.41.6\"]",
                "controlPlaneNodes", "[\"k8s-master1=127.0.41.10\"]",
                "etcdNodes", "[" + String.join(",", nodes) + "]")));
    }

    @Test
    void everyEtcdNodeReplacedAtANewAddressInTurnAndTheApiServerAlwaysNamesTheMembersThereAre() throws Exception {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "needs kubectl (it edits the manifest)");
        Map<String, String> nodes = new LinkedHashMap<>(Map.of("k8s-etcd1", "127.0.41.30"));
        nodes.put("k8s-etcd2", "127.0.41.31");
        nodes.put("k8s-etcd3", "127.0.41.32");
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        try (LocalEtcd etcd = LocalEtcd.atAddresses(nodes)) {
            Path manifest = h.root().resolve("etc/kubernetes/manifests/kube-apiserver.yaml");
            Files.createDirectories(manifest.getParent());
            Files.writeString(manifest, EtcdEndpointsScriptTest.resource("kube-apiserver.yaml")
                    .replace(EtcdEndpointsScriptTest.OLD, servers(config(nodes))));
            EtcdEndpointsScriptTest.standIns(h, manifest, h.dir().resolve("unused-configmap.yaml"));
            h.stub("curl", "case \"$*\" in *readyz*) list=\"$(grep -o -- '--etcd-servers=[^[:space:]]*' "
                    + ScriptHarness.shellQuote(manifest.toString()) + " | cut -d= -f2 | sed 's|https://|http://|g')\"; "
                    + "/usr/bin/etcdctl --endpoints=\"$list\" --command-timeout=3s put kubeha-test/readyz ok >/dev/null 2>&1 "
                    + "&& [ \"$(/usr/bin/etcdctl --endpoints=\"$list\" --command-timeout=3s get kubeha-test/readyz --print-value-only)\" = ok ] "
                    + "&& echo ok;; "
                    // etcd's own /health, over http here (the API server's client files are not used by the test's etcd)
                    + "*/health) url=\"${!#}\"; exec /usr/bin/curl -sS --max-time 5 \"${url/https:/http:}\";; *) exit 7;; esac");

            List<String[]> replacements = List.of(new String[] {"k8s-etcd1", "k8s-etcd4", "127.0.41.33"},
                    new String[] {"k8s-etcd2", "k8s-etcd5", "127.0.41.34"}, new String[] {"k8s-etcd3", "k8s-etcd6", "127.0.41.35"});
            for (String[] r : replacements) {
                String leaving = r[0];
                String gone = "https://" + nodes.get(leaving) + ":2379";
                assertTrue(listIn(manifest).contains(gone), "before the run the API server names " + gone);
                nodes.remove(leaving);
                nodes.put(r[1], r[2]);
                etcd.join(r[1], r[2]);
                ScriptHarness.Run moved = h.run(EtcdEndpointScripts.apiServer(config(nodes), config(nodes).controlPlane().get(0)));
                assertEquals(0, moved.exitCode(), moved.stderr());
                assertEquals(servers(config(nodes)), listIn(manifest), "the API server names the new member, not " + leaving);
                // The old member leaves last (its -etcd-member delete, at the end of the run).
                String id = etcd.memberList().stream().filter(l -> l.contains(", " + leaving + ", ")).findFirst().orElseThrow()
                        .split(",")[0].strip();
                // (the answer may be lost when the client's endpoint is the member removed: the member list tells)
                for (int tries = 0; tries < 60 && etcd.memberList().stream().anyMatch(l -> l.startsWith(id + ",")); tries++) {
                    etcd.etcdctl("member", "remove", id);
                }
                assertTrue(etcd.memberList().stream().noneMatch(l -> l.startsWith(id + ",")), leaving + " removed");
                etcd.forget(leaving);
                for (String url : listIn(manifest).split(",")) {
                    assertEquals(0, health(url).exitCode(), url + " answers: " + health(url).output());
                }
                assertNotEquals(0, health(gone).exitCode(), "the list before the run named " + gone + ", which left");
                ScriptHarness.Run again = h.run(EtcdEndpointScripts.apiServer(config(nodes), config(nodes).controlPlane().get(0)));
                assertEquals(0, again.exitCode(), again.stderr());
                assertFalse(again.calls().stream().anyMatch(c -> c.startsWith("crictl")), "a second run restarts nothing");
            }
            assertEquals("https://127.0.41.33:2379,https://127.0.41.34:2379,https://127.0.41.35:2379", listIn(manifest));
            assertTrue(etcd.memberList().stream().noneMatch(l -> l.contains("127.0.41.3" + "0") || l.contains("127.0.41.31")
                    || l.contains("127.0.41.32")), "none of the first members is left: " + etcd.memberList());
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    static String servers(ClusterConfig config) {
        String script = EtcdEndpointScripts.apiServer(config, config.controlPlane().get(0));
        Matcher m = Pattern.compile("ETCD_SERVERS='([^']+)'").matcher(script);
        assertTrue(m.find(), script);
        return m.group(1);
    }

    static String listIn(Path manifest) throws java.io.IOException {
        Matcher m = ETCD_SERVERS.matcher(Files.readString(manifest));
        assertTrue(m.find());
        return m.group(1);
    }

    /** etcdctl endpoint health on one endpoint, as the test's client (http here). */
    static LocalEtcd.Result health(String url) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/etcdctl", "--endpoints=" + url.replace("https://", "http://"),
                "--command-timeout=3s", "endpoint", "health").redirectErrorStream(true).start();
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new LocalEtcd.Result(-1, "timed out");
        }
        return new LocalEtcd.Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }
}
