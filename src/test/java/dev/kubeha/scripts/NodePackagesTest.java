package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.kubeha.scripts.NodeScriptsTest.freshNode;
import static dev.kubeha.scripts.NodeScriptsTest.installed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node preparation's package decisions (issue 14, items 3 and 8): a Kubernetes version the repository does not
 * have fails naming the repository and what it has; containerd is new enough for the minor, Docker's containerd.io
 * on a Docker host is used or refused but never removed; containerd's config is what containerd 1.x and 2.x read.
 */
@Execution(ExecutionMode.CONCURRENT)
public class NodePackagesTest {

    static ClusterConfig config(String... overrides) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < overrides.length; i += 2) {
            m.put(overrides[i], overrides[i + 1]);
        }
        return Stacks.config("vagrant", m);
    }

    static Node worker(ClusterConfig c) {
        return c.workers().get(0);
    }

    static void version(ScriptHarness h, String pkg, String version) {
        try {
            Files.writeString(h.dir().resolve("state.version-" + pkg), version + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertNoKubernetesPackageInstalled(ScriptHarness.Run run) {
        assertFalse(run.calls().stream().anyMatch(c -> c.contains("kubeadm=") || c.matches("dnf install .*kubeadm-.*")),
                "nothing installed: " + run.calls());
    }

    static void assertNothingRemoved(ScriptHarness.Run run) {
        assertFalse(run.calls().stream().anyMatch(c -> c.matches("apt-get .*(purge|remove).*") || c.startsWith("dnf remove")
                || c.matches("apt-get .*install(?! -s).* containerd( .*)?$")), "nothing of Docker removed or replaced: " + run.calls());
    }

    // ---- a version the repository does not have ------------------------------------------------------------

    @Test
    void aPatchTheRepositoryDoesNotHaveFailsNamingTheRepositoryAndItsPatches() {
        // apt (Ubuntu) and dnf (Rocky): each family's repository and what it has of the minor.
        Map<String, String> expected = Map.of(
                ScriptHarness.UBUNTU, "ERROR: Kubernetes 1.32.999 is not in the repository https://pkgs.k8s.io/core:/stable:/v1.32/deb/;",
                ScriptHarness.ROCKY, "ERROR: Kubernetes 1.32.999 is not in the repository https://pkgs.k8s.io/core:/stable:/v1.32/rpm/;");
        expected.forEach((os, error) -> {
            ScriptHarness.Run run = freshNode(os).run(NodeScripts.prepare(config("kubernetesVersion", "1.32.999"), worker(config())));
            assertNotEquals(0, run.exitCode());
            assertTrue(run.stderr().contains(error + " available: 1.32.2 1.32.3 (kubernetesVersion: one of these, or the minor 1.32 for"
                    + " its newest)"), run.stderr());
            assertNoKubernetesPackageInstalled(run);
        });
    }

    @Test
    void aMinorTheRepositoryDoesNotServeFailsNamingTheRepository() {
        // A mirror without 1.37 (the stubs' repositories have 1.31 to 1.36): apt and dnf alike.
        for (String os : List.of(ScriptHarness.UBUNTU, ScriptHarness.ROCKY)) {
            ClusterConfig c = config("kubernetesVersion", "1.37", "kubernetesDebRepository", "http://10.0.0.9/k8s/v{minor}/",
                    "kubernetesRpmRepository", "http://10.0.0.9/k8s/v{minor}/rpm/");
            ScriptHarness.Run run = installed(freshNode(os), "containerd.io").run(NodeScripts.prepare(c, worker(c)));
            assertNotEquals(0, run.exitCode());
            String repository = os.equals(ScriptHarness.UBUNTU) ? "http://10.0.0.9/k8s/v1.37/" : "http://10.0.0.9/k8s/v1.37/rpm/";
            assertTrue(run.stderr().contains("ERROR: Kubernetes 1.37 is not in the repository " + repository + ": it has no kubeadm of 1.37"),
                    run.stderr());
            assertNoKubernetesPackageInstalled(run);
        }
    }

    @Test
    void aRepositoryAptCannotReadIsNamedWithTheMinor() {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io", "conntrack", "socat", "curl", "ca-certificates").stub("apt-get",
                "[ \"$1\" = update ] && { echo \"E: The repository 'https://pkgs.k8s.io/core:/stable:/v1.36/deb  Release' does not have a Release file.\" >&2; exit 100; }; exit 0");
        ClusterConfig c = config("kubernetesVersion", "1.36");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("does not have a Release file") && run.stderr().contains("ERROR: apt-get update failed (its errors are"
                + " above); when they name https://pkgs.k8s.io/core:/stable:/v1.36/deb/, Kubernetes 1.36 is not in that repository"), run.stderr());
    }

    // ---- containerd ----------------------------------------------------------------------------------------

    @Test
    void onADockerHostItsContainerdIoIsUsedAndNothingOfDockerIsTouched() throws Exception {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io", "docker-ce", "docker-ce-cli");
        ClusterConfig c = config("kubernetesVersion", "1.36");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("using containerd.io 2.1.4-1~ubuntu.24.04~noble, already on this host"), run.stderr());
        assertFalse(run.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd"), run.calls().toString());
        assertFalse(Files.exists(h.root().resolve("etc/apt/sources.list.d/kubeha-containerd.list")), "Docker's own repository stays the only one");
        assertNothingRemoved(run);
        assertTrue(Files.readString(h.root().resolve("etc/containerd/config.toml")).startsWith("# kubeha"), "configured for the kubelet");
    }

    @Test
    void aDockerContainerdIoTooOldForTheMinorIsRefusedNotReplaced() {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io", "docker-ce");
        version(h, "containerd.io", "1.7.27-1");
        ClusterConfig c = config("kubernetesVersion", "1.36");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("ERROR: this host has Docker's containerd.io 1.7.27, older than Kubernetes 1.36 needs (containerd 2 or"
                + " newer); kubeha does not replace containerd.io, as that would remove Docker"), run.stderr());
        assertNothingRemoved(run);
        assertFalse(run.called("apt-get -o DPkg::Lock::Timeout=600 install"), "nothing installed: " + run.calls());

        ClusterConfig older = config("kubernetesVersion", "1.35");
        ScriptHarness.Run accepted = h.run(NodeScripts.prepare(older, worker(older)));
        assertEquals(0, accepted.exitCode(), accepted.stderr());
        assertTrue(accepted.stderr().contains("WARNING: containerd 1.7.27 is past its end of support"), accepted.stderr());
    }

    @Test
    void replacingTheDistributionsContainerdIsRefusedWhenAptWouldRemoveMoreThanIt() throws Exception {
        // Ubuntu's docker.io depends on Ubuntu's containerd, which containerd.io replaces: apt would remove Docker.
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd", "docker.io");
        version(h, "containerd", "1.7.24-0ubuntu1~24.04.2");
        Files.writeString(h.dir().resolve("state.simulation"), "Remv docker.io [26.1.3-0ubuntu1~24.04.1]\nRemv containerd [1.7.24-0ubuntu1~24.04.2]\n"
                + "Inst containerd.io (2.1.4-1~ubuntu.24.04~noble Docker CE:noble [amd64])\n");
        ClusterConfig c = config("kubernetesVersion", "1.36");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("ERROR: installing Docker's containerd.io would remove docker.io - kubeha removes nothing"), run.stderr());
        assertNothingRemoved(run);

        // Without Docker, the old containerd is replaced by containerd.io (apt removes only it and its runc).
        Files.writeString(h.dir().resolve("state.simulation"), "Remv containerd [1.7.24-0ubuntu1~24.04.2]\nRemv runc [1.1.12-0ubuntu3]\nInst containerd.io (2.1.4-1)\n");
        Files.delete(h.dir().resolve("state.pkg-docker.io"));
        ScriptHarness.Run replaced = h.run(NodeScripts.prepare(c, worker(c)));
        assertEquals(0, replaced.exitCode(), replaced.stderr());
        assertTrue(replaced.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd.io"), replaced.calls().toString());
    }

    @Test
    void theDistributionsContainerdIsRefusedWhenTooOldAndOnRhelItHasNone() throws Exception {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        version(h, "containerd", "1.7.24-0ubuntu1~24.04.2");
        ClusterConfig c = config("kubernetesVersion", "1.36", "containerdSource", "distribution");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd"), run.calls().toString());
        assertTrue(run.stderr().contains("ERROR: the distribution's containerd is 1.7.24, older than Kubernetes 1.36 needs (containerd 2 or newer):"
                + " set containerdSource to docker"), run.stderr());

        ClusterConfig fits = config("kubernetesVersion", "1.35", "containerdSource", "distribution");
        ScriptHarness.Run used = h.run(NodeScripts.prepare(fits, worker(fits)));
        assertEquals(0, used.exitCode(), used.stderr());
        assertTrue(Files.readString(h.root().resolve("etc/containerd/config.toml")).contains("version = 2\n"), "containerd 1.x reads version 2");

        ScriptHarness.Run rocky = freshNode(ScriptHarness.ROCKY).run(NodeScripts.prepare(c, worker(c)));
        assertNotEquals(0, rocky.exitCode());
        assertTrue(rocky.stderr().contains("ERROR: RHEL-family distributions ship no containerd: set containerdSource to docker"), rocky.stderr());
    }

    @Test
    void aMirrorOfDockersRepositoryServesBothFamilies() throws Exception {
        ClusterConfig c = config("containerdRepository", "http://10.0.0.9/docker-ce/linux/");
        ScriptHarness ubuntu = freshNode(ScriptHarness.UBUNTU);
        assertEquals(0, ubuntu.run(NodeScripts.prepare(c, worker(c))).exitCode());
        assertEquals("deb [signed-by=/etc/apt/keyrings/kubeha-containerd.asc] http://10.0.0.9/docker-ce/linux/ubuntu noble stable\n",
                Files.readString(ubuntu.root().resolve("etc/apt/sources.list.d/kubeha-containerd.list")));
        ScriptHarness rocky = freshNode(ScriptHarness.ROCKY);
        assertEquals(0, rocky.run(NodeScripts.prepare(c, worker(c))).exitCode());
        String repo = Files.readString(rocky.root().resolve("etc/yum.repos.d/kubeha-containerd.repo"));
        assertTrue(repo.contains("baseurl=http://10.0.0.9/docker-ce/linux/centos/$releasever/$basearch/stable\n")
                && repo.contains("gpgkey=http://10.0.0.9/docker-ce/linux/centos/gpg\n"), repo);
    }

    // ---- containerd's config -------------------------------------------------------------------------------

    /** The config.toml prepare writes for a containerd of {@code version}, with kubeadm wanting {@code pause}. */
    public static String renderedConfig(String containerdVersion, String pause) throws IOException {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io");
        version(h, "containerd.io", containerdVersion);
        h.stub("kubeadm", "[ \"$1 $2 $3\" = 'config images list' ] && printf 'registry.k8s.io/kube-apiserver:%s\\nregistry.k8s.io/pause:" + pause
                + "\\nregistry.k8s.io/etcd:3.6.6-0\\n' \"$5\"; exit 0");
        ClusterConfig c = config("kubernetesVersion", "1.31.4");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.called("kubeadm config images list --kubernetes-version v1.31.4"), "the installed kubeadm names its pause image: " + run.calls());
        return Files.readString(h.root().resolve("etc/containerd/config.toml"));
    }

    /**
     * Reads TOML with Python's tomllib (a TOML 1.0 parser) and prints the values at the given dotted paths (each a
     * JSON list of keys), one per line.
     */
    static List<String> tomlValues(String toml, String... paths) throws Exception {
        Path file = Files.createTempFile("kubeha-containerd", ".toml");
        try {
            Files.writeString(file, toml);
            List<String> cmd = new ArrayList<>(List.of("python3", "-c", "import sys, json, tomllib\n"
                    + "d = tomllib.load(open(sys.argv[1], 'rb'))\n"
                    + "for p in sys.argv[2:]:\n    v = d\n    for k in json.loads(p): v = v[k]\n    print(json.dumps(v))\n", file.toString()));
            cmd.addAll(List.of(paths));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "tomllib: " + out);
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static boolean python3WithTomllib() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import tomllib").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void containerd2GetsConfigVersion3WithSystemdCgroupsAndKubeadmsPauseImage() throws Exception {
        assumeTrue(python3WithTomllib(), "needs python3 >= 3.11 (tomllib) to parse the TOML");
        String toml = renderedConfig("2.1.4-1~ubuntu.24.04~noble", "3.10.1");
        // containerd/containerd docs/cri/config.md (v2.x): config version 3, CRI runtime and images plugins.
        assertEquals(List.of("3", "\"registry.k8s.io/pause:3.10.1\"", "\"runc\"", "\"io.containerd.runc.v2\"", "true"), tomlValues(toml,
                "[\"version\"]",
                "[\"plugins\", \"io.containerd.cri.v1.images\", \"pinned_images\", \"sandbox\"]",
                "[\"plugins\", \"io.containerd.cri.v1.runtime\", \"containerd\", \"default_runtime_name\"]",
                "[\"plugins\", \"io.containerd.cri.v1.runtime\", \"containerd\", \"runtimes\", \"runc\", \"runtime_type\"]",
                "[\"plugins\", \"io.containerd.cri.v1.runtime\", \"containerd\", \"runtimes\", \"runc\", \"options\", \"SystemdCgroup\"]"));
    }

    @Test
    void containerd1GetsConfigVersion2WithSystemdCgroupsAndKubeadmsPauseImage() throws Exception {
        assumeTrue(python3WithTomllib(), "needs python3 >= 3.11 (tomllib) to parse the TOML");
        String toml = renderedConfig("1.7.27-1", "3.10");
        // containerd/containerd docs/cri/config.md (v1.x): config version 2, the io.containerd.grpc.v1.cri plugin.
        assertEquals(List.of("2", "\"registry.k8s.io/pause:3.10\"", "\"io.containerd.runc.v2\"", "true"), tomlValues(toml,
                "[\"version\"]",
                "[\"plugins\", \"io.containerd.grpc.v1.cri\", \"sandbox_image\"]",
                "[\"plugins\", \"io.containerd.grpc.v1.cri\", \"containerd\", \"runtimes\", \"runc\", \"runtime_type\"]",
                "[\"plugins\", \"io.containerd.grpc.v1.cri\", \"containerd\", \"runtimes\", \"runc\", \"options\", \"SystemdCgroup\"]"));
    }

    /**
     * A containerd.io removed but not purged beside the distribution's containerd 1.7: dpkg keeps the removed package's
     * version (dpkg-query -W prints it, with the state "deinstall ok config-files"), and it must not decide the config
     * version: containerd 1.7 gets version 2 (containerd/containerd docs/cri/config.md, release/1.7: version 3 is
     * containerd 2's), not the version 3 the leftover 2.1.4 would ask for.
     */
    @Test
    void aContainerdIoRemovedButNotPurgedDoesNotDecideTheConfigVersion() throws Exception {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd");
        version(h, "containerd", "1.7.12-0ubuntu4");
        String state = h.dir().resolve("state").toString();
        h.stub("dpkg-query", "for last; do :; done; if [ \"$last\" = containerd.io ]; then case \"$*\" in "
                + "*Version*) echo '2.1.4-1~ubuntu.24.04~noble';; *) echo 'deinstall ok config-files';; esac; exit 0; fi; "
                + "[ -f " + state + ".pkg-\"$last\" ] || exit 1; case \"$*\" in *Version*) "
                + "cat " + state + ".version-\"$last\" 2>/dev/null || echo '1.31.4-1.1';; *) echo 'install ok installed';; esac");
        ClusterConfig c = config("kubernetesVersion", "1.31.4");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(c, worker(c)));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("using containerd 1.7.12-0ubuntu4"), run.stderr());
        String toml = Files.readString(h.root().resolve("etc/containerd/config.toml"));
        assertTrue(toml.contains("version = 2\n") && toml.contains("[plugins.\"io.containerd.grpc.v1.cri\"]"), toml);
    }
}
