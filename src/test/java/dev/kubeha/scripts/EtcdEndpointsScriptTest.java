package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdEndpointScripts;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The API servers follow the external etcd's nodes: {@code <node>-etcd-servers} (etcd/api-server-endpoints.sh) on a
 * control-plane node whose kube-apiserver manifest is in the layout kubeadm writes (src/test/resources/etcd/
 * kube-apiserver.yaml, abbreviated), and {@code etcd-endpoints} (etcd/kubeadm-config.sh) against kubeadm's
 * ClusterConfiguration (src/test/resources/etcd/cluster-configuration.yaml, v1beta4 with etcd.external), run as the
 * provider runs them. The manifest and the configuration are changed by the real kubectl (1.32 here, {@code --local}).
 * <p>
 * Stood in for, and only these: the API server's ConfigMap (a kubectl stand-in keeps kube-system/kubeadm-config in a
 * file and applies reads and merge patches to it with the real kubectl's {@code --local}); the kubelet and crictl
 * (crictl lists one running kube-apiserver container while its manifest is in place, its ID a hash of the manifest,
 * so a changed manifest means a new container, as a changed static pod is a new pod); the API server's /readyz (curl:
 * ok, or only while the manifest names endpoints that answer); the load balancers' stats pages (curl, as in
 * {@link UpgradeScriptsTest}).
 */
@Execution(ExecutionMode.CONCURRENT)
class EtcdEndpointsScriptTest {
    static final String OLD = "https://192.168.56.30:2379,https://192.168.56.31:2379,https://192.168.56.32:2379";
    static final String NEW = "https://192.168.56.30:2379,https://192.168.56.32:2379,https://192.168.56.33:2379";
    static final ClusterConfig BEFORE = etcd("[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]");
    /** k8s-etcd2 (.31) replaced by k8s-etcd4 at a new address. */
    static final ClusterConfig AFTER = etcd("[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]");
    static final Node MASTER2 = BEFORE.controlPlane().get(1);

    ScriptHarness h;
    Path manifest;
    Path configMap;
    String original;

    static ClusterConfig etcd(String nodes) {
        return Stacks.config("vagrant", Map.of("etcdNodes", nodes));
    }

    @BeforeEach
    void controlPlaneNode() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "needs kubectl (it edits the manifest and the configuration)");
        h = new ScriptHarness(ScriptHarness.UBUNTU);
        manifest = h.root().resolve("etc/kubernetes/manifests/kube-apiserver.yaml");
        Files.createDirectories(manifest.getParent());
        original = resource("kube-apiserver.yaml");
        Files.writeString(manifest, original);
        configMap = h.dir().resolve("api/kubeadm-config.yaml");
        Files.createDirectories(configMap.getParent());
        // As the API server would give it (kubectl's layout: keys in order, the configuration a literal block).
        Files.writeString(configMap, "apiVersion: v1\ndata:\n  ClusterConfiguration: |\n" + resource("cluster-configuration.yaml").indent(4)
                + "kind: ConfigMap\nmetadata:\n  name: kubeadm-config\n  namespace: kube-system\n");
        standIns(h, manifest, configMap);
        UpgradeScriptsTest.withLoadBalancers(h, "303 http://192.168.56.5:8404/stats;st=DONE");
        apiServerAnswersWith("");
    }

    /**
     * The stand-ins of a control-plane node: kubectl (the real one for {@code --local}; kube-system/kubeadm-config kept
     * in {@code configMap}), crictl (one kube-apiserver container per manifest content), sleep.
     */
    static void standIns(ScriptHarness h, Path manifest, Path configMap) {
        String cm = ScriptHarness.shellQuote(configMap.toString());
        h.stub("kubectl", "case \" $* \" in *' --local '*) exec /usr/bin/kubectl \"$@\";; esac\n"
                        + "case \"$*\" in\n"
                        + "  *' get configmap kubeadm-config -o jsonpath={.data.ClusterConfiguration}') exec /usr/bin/kubectl patch --local -f "
                        + cm + " --type merge -p '{}' -o 'jsonpath={.data.ClusterConfiguration}';;\n"
                        + "  *' patch configmap kubeadm-config --type merge --patch-file '*) /usr/bin/kubectl patch --local -f " + cm
                        + " --type merge --patch-file \"${!#}\" -o yaml >" + cm + ".new && mv " + cm + ".new " + cm
                        + " && echo configmap/kubeadm-config patched;;\n"
                        + "  *) echo \"kubectl stand-in: not modelled: $*\" >&2; exit 1;;\nesac")
                .stub("crictl", "m=" + ScriptHarness.shellQuote(manifest.toString())
                        + "; [ -f \"$m\" ] && echo \"kube-apiserver-$(sha256sum \"$m\" | cut -c1-12)\"; exit 0")
                .stubs("sleep");
    }

    /**
     * /readyz answers ok unless the manifest names {@code unreachable}; every etcd endpoint's /health answers as etcd
     * does when healthy (etcd-io/etcd server/etcdserver/api/etcdhttp/health.go); the load balancers take every request.
     */
    void apiServerAnswersWith(String unreachable) {
        etcdAndApiServerAnswer("", unreachable);
    }

    /** The same, and etcd at {@code deadEtcd} does not answer. */
    void etcdAndApiServerAnswer(String deadEtcd, String unreachable) {
        String readyz = unreachable.isEmpty() ? "echo ok"
                : "grep -q -- " + ScriptHarness.shellQuote(unreachable) + " " + ScriptHarness.shellQuote(manifest.toString())
                        + " && exit 0; echo ok";
        String health = deadEtcd.isEmpty() ? "" : "*" + deadEtcd + ":2379/health) echo 'curl: (7) Failed to connect' >&2; exit 7;; ";
        h.stub("curl", "case \"$*\" in *readyz*) " + readyz + ";; " + health
                + "*/health) echo '{\"health\":\"true\",\"reason\":\"\"}';; *action=*) printf '303 http://x/stats;st=DONE';; "
                + UpgradeScriptsTest.STATS_CSV + " *) exit 7;; esac");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (h != null) {
            TempDirs.delete(h.dir());
        }
    }

    static String resource(String name) throws IOException {
        return Files.readString(Path.of("src/test/resources/etcd", name));
    }

    ScriptHarness.Run moveApiServer(ClusterConfig config) {
        return h.run(EtcdEndpointScripts.apiServer(config, MASTER2));
    }

    @Test
    void theApiServerMovesToTheNewEtcdNodesDrainedFromTheLoadBalancersAndOnlyThatArgumentChanges() throws IOException {
        ScriptHarness.Run run = moveApiServer(AFTER);
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(original.replace("--etcd-servers=" + OLD, "--etcd-servers=" + NEW), Files.readString(manifest),
                "the manifest differs in that one argument");
        List<String> calls = run.calls();
        int drained = index(calls, "action=drain");
        int replaced = index(calls, "crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --state running");
        int ready = index(calls, "https://192.168.56.11:6443/readyz");
        int back = index(calls, "action=ready");
        assertTrue(drained >= 0 && drained < ready && ready < back, calls.toString());
        assertTrue(replaced >= 0, "it waited for a new kube-apiserver container: " + calls);
        assertTrue(run.stderr().contains("moves from --etcd-servers=" + OLD + " to --etcd-servers=" + NEW), run.stderr());
        assertTrue(run.stderr().contains("uses the etcd endpoints " + NEW), run.stderr());
        assertEquals(List.of("kube-apiserver.yaml"), list(manifest.getParent()), "nothing else in the manifest directory");
        assertFalse(Files.exists(h.root().resolve("etc/kubernetes/kubeha-etcd-servers-previous.yaml")), "no copy left");

        ScriptHarness.Run again = moveApiServer(AFTER);
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.calls().stream().anyMatch(c -> c.contains("action=") || c.startsWith("crictl")),
                "a second run restarts nothing and leaves the load balancers alone: " + again.calls());
        assertTrue(again.stderr().contains("uses the etcd endpoints already: " + NEW), again.stderr());
    }

    @Test
    void aManifestThatNamesTheEtcdNodesAlreadyIsLeftAlone() throws IOException {
        ScriptHarness.Run run = moveApiServer(BEFORE);
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(original, Files.readString(manifest));
        assertFalse(run.calls().stream().anyMatch(c -> c.startsWith("curl") || c.startsWith("crictl")), run.calls().toString());
    }

    @Test
    void anApiServerThatDoesNotAnswerOnTheNewEtcdNodesGetsItsManifestBackAndTheStepFails() throws IOException {
        apiServerAnswersWith("192.168.56.33");
        ScriptHarness.Run run = moveApiServer(AFTER);
        assertNotEquals(0, run.exitCode());
        assertEquals(original, Files.readString(manifest), "the previous manifest is back");
        assertTrue(run.stderr().contains("does not answer /readyz 300s after it moved to --etcd-servers=" + NEW), run.stderr());
        assertTrue(run.stderr().contains("putting back the manifest with --etcd-servers=" + OLD), run.stderr());
        assertTrue(run.stderr().contains("answers /readyz: back on the load balancers although this step failed"),
                "serving again on the previous endpoints, it is back on the load balancers: " + run.stderr());
        assertFalse(Files.exists(h.root().resolve("etc/kubernetes/kubeha-etcd-servers-previous.yaml")));
        assertEquals(List.of("kube-apiserver.yaml"), list(manifest.getParent()));
    }

    @Test
    void aRunThatStoppedAfterTheMoveWaitsForTheApiServerAgainAndPutsItBackOnTheLoadBalancers() throws IOException {
        Path previous = h.root().resolve("etc/kubernetes/kubeha-etcd-servers-previous.yaml");
        Files.writeString(previous, original);
        Files.writeString(manifest, original.replace(OLD, NEW));
        ScriptHarness.Run run = moveApiServer(AFTER);
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("an earlier run gave the API server of k8s-master2 the etcd endpoints " + NEW), run.stderr());
        assertTrue(index(run.calls(), "action=ready") > index(run.calls(), "readyz"), run.calls().toString());
        assertFalse(Files.exists(previous));
    }

    @Test
    void anEtcdNodeThisNodeCannotReachStopsTheMoveBeforeAnythingIsDrained() throws IOException {
        etcdAndApiServerAnswer("192.168.56.33", "");
        ScriptHarness.Run run = moveApiServer(AFTER);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("would not reach etcd at https://192.168.56.33:2379; its etcd endpoints were not changed"),
                run.stderr());
        assertTrue(run.called("curl -sS --max-time 5 --cacert " + h.root().resolve("etc/kubernetes/pki/etcd/ca.crt") + " --cert "
                + h.root().resolve("etc/kubernetes/pki/apiserver-etcd-client.crt") + " --key "
                + h.root().resolve("etc/kubernetes/pki/apiserver-etcd-client.key") + " https://192.168.56.33:2379/health"),
                "asked as the API server's client: " + run.calls());
        assertEquals(original, Files.readString(manifest));
        assertFalse(run.calls().stream().anyMatch(c -> c.contains("action=")), "nothing drained: " + run.calls());
    }

    @Test
    void anArgumentThatIsNotAListOfUrlsIsRefusedBeforeAnythingIsDrained() throws IOException {
        String odd = original.replace("--etcd-servers=" + OLD, "--etcd-servers=https://192.168.56.30:2379;x");
        Files.writeString(manifest, odd);
        ScriptHarness.Run run = moveApiServer(AFTER);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("holds characters other than a list of URLs"), run.stderr());
        assertEquals(odd, Files.readString(manifest));
        assertFalse(run.calls().stream().anyMatch(c -> c.contains("action=")), "nothing drained: " + run.calls());
    }

    @Test
    void aMissingManifestOrArgumentFailsChangingNothing() throws IOException {
        Files.writeString(manifest, original.replace("    - --etcd-servers=" + OLD + "\n", ""));
        ScriptHarness.Run noArgument = moveApiServer(AFTER);
        assertNotEquals(0, noArgument.exitCode());
        assertTrue(noArgument.stderr().contains("has no --etcd-servers=... argument"), noArgument.stderr());
        Files.delete(manifest);
        ScriptHarness.Run noManifest = moveApiServer(AFTER);
        assertNotEquals(0, noManifest.exitCode());
        assertTrue(noManifest.stderr().contains("kube-apiserver.yaml does not exist on k8s-master2"), noManifest.stderr());
        assertFalse(noManifest.calls().stream().anyMatch(c -> c.contains("action=")), "nothing drained");
    }

    @Test
    void kubeadmsConfigurationNamesTheNewEtcdNodesOnceAndKeepsEveryOtherField() throws IOException {
        String stored = Files.readString(configMap);
        ScriptHarness.Run run = h.run(EtcdEndpointScripts.kubeadmConfig(AFTER, BEFORE.controlPlane().get(0)));
        assertEquals(0, run.exitCode(), run.stderr());
        String expected = stored.replace("""
                        - https://192.168.56.30:2379
                        - https://192.168.56.31:2379
                        - https://192.168.56.32:2379
                """, """
                        - https://192.168.56.30:2379
                        - https://192.168.56.32:2379
                        - https://192.168.56.33:2379
                """);
        assertNotEquals(stored, expected);
        assertEquals(expected, Files.readString(configMap), "only the endpoints changed");
        assertTrue(run.called("kubectl --kubeconfig " + h.root().resolve("etc/kubernetes/admin.conf")
                + " --request-timeout=10s -n kube-system patch configmap kubeadm-config --type merge --patch-file"), run.calls().toString());
        assertTrue(run.stderr().contains("kubeadm-config names the etcd endpoints https://192.168.56.30:2379 "
                + "https://192.168.56.32:2379 https://192.168.56.33:2379 (before: https://192.168.56.30:2379"), run.stderr());

        ScriptHarness.Run again = h.run(EtcdEndpointScripts.kubeadmConfig(AFTER, BEFORE.controlPlane().get(0)));
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.calls().stream().anyMatch(c -> c.contains("patch configmap")), "a second run changes nothing");
        assertEquals(expected, Files.readString(configMap));
    }

    @Test
    void aConfigurationWithoutExternalEtcdIsRefusedUnchanged() throws IOException {
        String local = Files.readString(configMap).replaceAll("(?s)    etcd:\n.*?keyFile: [^\n]*\n",
                "    etcd:\n      local:\n        dataDir: /var/lib/etcd\n");
        Files.writeString(configMap, local);
        ScriptHarness.Run run = h.run(EtcdEndpointScripts.kubeadmConfig(AFTER, BEFORE.controlPlane().get(0)));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("has no etcd.external.endpoints"), run.stderr());
        assertEquals(local, Files.readString(configMap));
    }

    /** While etcd is restored no API server answers: neither step changes anything, and the next run checks again. */
    @Test
    void whileEtcdIsRestoredNeitherTheManifestNorKubeadmsConfigurationChanges() throws IOException {
        ClusterConfig restoring = Stacks.config("vagrant", Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]", "etcdRestoreFrom", "/root/etcd.db"));
        String stored = Files.readString(configMap);
        ScriptHarness.Run apiServer = h.run(EtcdEndpointScripts.apiServer(restoring, MASTER2));
        assertEquals(0, apiServer.exitCode(), apiServer.stderr());
        assertEquals(original, Files.readString(manifest));
        assertTrue(apiServer.stderr().contains("keeps --etcd-servers=" + OLD + " until the first pulumi up after etcdRestoreFrom"),
                apiServer.stderr());
        assertFalse(apiServer.calls().stream().anyMatch(c -> c.startsWith("curl") || c.startsWith("crictl")), apiServer.calls().toString());
        ScriptHarness.Run config = h.run(EtcdEndpointScripts.kubeadmConfig(restoring, MASTER2));
        assertEquals(0, config.exitCode(), config.stderr());
        assertEquals(stored, Files.readString(configMap));
        assertEquals(List.of(), config.calls(), "the API is not asked");
        assertNotEquals(EtcdEndpointScripts.kubeadmConfig(restoring, MASTER2), EtcdEndpointScripts.kubeadmConfig(AFTER, MASTER2),
                "removing etcdRestoreFrom changes the script: the next run checks again");
        assertNotEquals(EtcdEndpointScripts.apiServer(restoring, MASTER2), EtcdEndpointScripts.apiServer(AFTER, MASTER2));
    }

    @Test
    void theRenderedScriptsPassShellcheck() {
        assumeTrue(Netns.onPath("shellcheck"), "shellcheck is not installed");
        ShellcheckTest.assertRenderedScriptClean("etcd-servers", EtcdEndpointScripts.apiServer(AFTER, MASTER2));
        ShellcheckTest.assertRenderedScriptClean("etcd-endpoints", EtcdEndpointScripts.kubeadmConfig(AFTER, MASTER2));
    }

    static int index(List<String> calls, String part) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    static List<String> list(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
