package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code <node>-etcd-upgrade} on an etcd node, run with bash against recording stubs (the packages as in
 * {@link UpgradeScriptsTest}): kubeadm's etcd image follows the installed kubeadm's version, as kubeadm's does
 * (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go, SupportedEtcdVersion; the tags here are examples).
 */
@Execution(ExecutionMode.CONCURRENT)
class EtcdNodeUpgradeTest {
    static final String ETCD_NODES = "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]";

    static final String IMAGE_1321 = "registry.k8s.io/etcd:3.5.15-0";
    static final String IMAGE_1323 = "registry.k8s.io/etcd:3.5.16-0";

    static ClusterConfig at(String version) {
        return Stacks.config("vagrant", Map.of("kubernetesVersion", version, "etcdNodes", ETCD_NODES));
    }

    /** An etcd node at {@code version} whose member runs that kubeadm's etcd; the kubelet replaces it on a new manifest. */
    static ScriptHarness etcdNodeAt(String version) throws IOException {
        ScriptHarness h = UpgradeScriptsTest.memberAt(ScriptHarness.UBUNTU, version);
        String state = h.dir().resolve("state").toString();
        String image = "v=\"$(cat " + state + ".ver-kubeadm)\"; case \"$v\" in 1.32.1*) i=" + IMAGE_1321 + ";; "
                + "*) i=" + IMAGE_1323 + ";; esac; ";
        Path manifests = Files.createDirectories(h.root().resolve("etc/kubernetes/manifests"));
        Files.writeString(manifests.resolve("etcd.yaml"), "    image: " + (version.equals("1.32.1") ? IMAGE_1321 : IMAGE_1323) + "\n");
        Files.writeString(h.dir().resolve("state.container"), "old-etcd\n");
        return h.stub("kubeadm", image + "case \"$*\" in version*) echo \"v${v%%-*}\";; 'config images list'*) echo \"$i\";; "
                        + "'init phase etcd local'*) echo \"    image: $i\" >" + ScriptHarness.shellQuote(manifests.resolve("etcd.yaml").toString())
                        + "; echo new-etcd >" + state + ".container;; esac")
                .stub("crictl", "case \"$*\" in *' ps '*) cat " + state + ".container;; *' exec '*) exit 0;; esac");
    }

    @Test
    void aNodeOnTheVersionsEtcdIsLeftAlone() throws IOException {
        ScriptHarness h = etcdNodeAt("1.32.1");
        try {
            ScriptHarness.Run run = h.run(EtcdNodeScripts.upgrade(at("1.32.1"), at("1.32.1").etcdNodes().get(0)));
            assertEquals(0, run.exitCode(), run.stderr());
            assertTrue(run.stderr().contains("k8s-etcd1 runs " + IMAGE_1321 + ", kubeadm's etcd for Kubernetes 1.32.1"), run.stderr());
            assertFalse(run.called("kubeadm init") || run.called("kubeha-etcd-snapshot") || run.called("apt-get"), run.calls().toString());
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    @Test
    void aNewVersionSnapshotsThenRunsTheNewKubeadmsEtcdAndWaitsForIt() throws IOException {
        ScriptHarness h = etcdNodeAt("1.32.1");
        try {
            ClusterConfig config = at("1.32.3");
            Node e2 = config.etcdNodes().get(1);
            ScriptHarness.Run run = h.run(EtcdNodeScripts.upgrade(config, e2));
            assertEquals(0, run.exitCode(), run.stderr());
            int packages = UpgradeScriptsTest.indexOf(run, "apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages");
            int snapshot = UpgradeScriptsTest.indexOf(run, "kubeha-etcd-snapshot before-upgrade");
            int manifest = UpgradeScriptsTest.indexOf(run, "kubeadm init phase etcd local");
            assertTrue(packages < snapshot && snapshot < manifest, "packages, snapshot, manifest: " + run.calls());
            assertTrue(run.calls().get(packages).contains("kubeadm=1.32.3") && run.calls().get(packages).contains("kubelet=1.32.3"),
                    run.calls().get(packages));
            assertEquals("    image: " + IMAGE_1323 + "\n", Files.readString(h.root().resolve("etc/kubernetes/manifests/etcd.yaml")));
            assertTrue(run.stderr().contains("k8s-etcd2 runs " + IMAGE_1323), run.stderr());

            // The next pulumi up with the same version: nothing to do.
            ScriptHarness.Run again = h.run(EtcdNodeScripts.upgrade(config, e2));
            assertEquals(0, again.exitCode(), again.stderr());
            assertFalse(again.called("kubeadm init") || again.called("kubeha-etcd-snapshot"), again.calls().toString());
        } finally {
            TempDirs.delete(h.dir());
        }
    }
}
