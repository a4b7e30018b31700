package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kubernetes node scripts, run with bash against stubbed system commands that record their calls. */
class NodeScriptsTest {
    static final ClusterConfig CONFIG = Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31.4", "firewall", "true"));
    static final Node MASTER1 = CONFIG.controlPlane().get(0);
    static final Node MASTER2 = CONFIG.controlPlane().get(1);
    static final Node WORKER1 = CONFIG.workers().get(0);
    static final String TOKEN = "abcdef.0123456789abcdef";
    static final String KEY = "0123456789abcdef".repeat(4);
    static final String HASH = "sha256:" + "12".repeat(32);

    /** Commands that change a node; a second run must call none of them. */
    static final List<String> CHANGING = List.of("apt-get install", "apt-get update", "apt-mark hold", "dnf install",
            "swapoff", "modprobe", "sysctl --system", "systemctl restart", "systemctl enable", "systemctl mask", "setenforce",
            "firewall-cmd --permanent --add", "ufw allow", "gpg --dearmor", "dnf config-manager", "kubeadm init", "kubeadm join");

    /** A fresh node of the given family: nothing installed, swap on, modules not loaded, firewalld active. */
    static ScriptHarness freshNode(String osRelease) {
        ScriptHarness h = new ScriptHarness(osRelease);
        String state = h.dir().resolve("state").toString();
        h.stub("swapon", "[ -f " + state + ".swapoff ] || echo '/swap.img file 2G 0B -2'")
                .stub("swapoff", "touch " + state + ".swapoff")
                .stub("modprobe", "mkdir -p \"$KUBEHA_ROOT/proc\"; echo \"$1 16384 0 - Live 0x0\" >>\"$KUBEHA_ROOT/proc/modules\"")
                .stub("dpkg-query", "for last; do :; done; [ -f " + state + ".pkg-\"$last\" ] || exit 1; case \"$*\" in *Version*) echo '1.31.4-1.1';; *) echo 'install ok installed';; esac")
                .stub("rpm", "for last; do :; done; [ -f " + state + ".pkg-\"$last\" ] || exit 1; case \"$*\" in *VERSION*) echo '1.31.4';; esac; exit 0")
                .stub("apt-get", "[ \"$1\" = install ] || exit 0; for a; do case \"$a\" in -*|install) ;; *) touch " + state + ".pkg-\"${a%%[=-][0-9]*}\";; esac; done")
                .stub("dnf", "[ \"$1\" = install ] || exit 0; for a; do case \"$a\" in -*|install) ;; *) touch " + state + ".pkg-\"${a%%-[0-9]*}\";; esac; done")
                .stub("apt-mark", "case \"$1\" in showhold) [ -f " + state + ".held ] && printf 'kubelet\\nkubeadm\\nkubectl\\n'; exit 0;; hold) touch " + state + ".held;; esac; exit 0")
                .stub("containerd", "printf 'version = 3\\n[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options]\\n  SystemdCgroup = false\\n'")
                .stub("systemctl", "for unit; do :; done; case \"$1\" in "
                        + "is-active) [ \"$unit\" = firewalld ] || [ -f " + state + ".active-\"$unit\" ];; "
                        + "is-enabled) [ -f " + state + ".enabled-\"$unit\" ];; "
                        + "enable) touch " + state + ".enabled-\"$unit\"; [ \"$2\" = --now ] && touch " + state + ".active-\"$unit\"; exit 0;; "
                        + "restart) touch " + state + ".active-\"$unit\";; "
                        + "list-unit-files) [ -f " + state + ".masked ] && echo 'swap.img.swap masked' || echo 'swap.img.swap generated';; "
                        + "mask) touch " + state + ".masked;; *) exit 0;; esac")
                .stub("firewall-cmd", "case \"$*\" in *--query-port=*) p=\"${*##*=}\"; [ -f " + state + ".fw-\"${p//\\//_}\" ];; "
                        + "*--add-port=*) p=\"${*##*=}\"; touch " + state + ".fw-\"${p//\\//_}\";; *) exit 0;; esac")
                .stub("curl", "echo 'KEY'")
                .stub("gpg", "cat >/dev/null; while [ $# -gt 0 ]; do [ \"$1\" = -o ] && { shift; echo key > \"$1\"; }; shift; done")
                .stub("apt-cache", "[ \"$1\" = madison ] && printf ' %s | %s | https://pkgs.k8s.io/core:/stable:/v1.3x/deb  Packages\\n' "
                        + "kubeadm 1.31.4-1.1 kubeadm 1.32.2-1.1 kubeadm 1.32.3-1.1 kubeadm 1.33.0-1.1; exit 0")
                .stub("getenforce", "[ -f " + state + ".permissive ] && echo Permissive || echo Enforcing")
                .stub("setenforce", "touch " + state + ".permissive")
                .stubs("sysctl", "logger");
        try {
            Files.writeString(h.root().resolve("etc/fstab"), "UUID=abc / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n");
            Files.createDirectories(h.root().resolve("etc/selinux"));
            Files.writeString(h.root().resolve("etc/selinux/config"), "SELINUX=enforcing\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return h;
    }

    static void assertNothingChanged(ScriptHarness.Run run) {
        for (String c : CHANGING) {
            assertFalse(run.called(c), "second run called '" + c + "': " + run.calls());
        }
    }

    @Test
    void renderedScriptsAreGoldenAndShellcheckClean() {
        Map<String, String> scripts = Map.of(
                "prepare-k8s-master1.sh", NodeScripts.prepare(CONFIG, MASTER1),
                "init-k8s-master1.sh", NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY),
                "credentials-k8s-master2.sh", NodeScripts.refreshCredentials(CONFIG, MASTER2, TOKEN, KEY),
                "join-k8s-master2.sh", NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY),
                "join-k8s-worker1.sh", NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH),
                "reset-k8s-worker1.sh", NodeScripts.reset(CONFIG, WORKER1),
                "drain-k8s-worker1.sh", NodeScripts.drain(CONFIG, WORKER1),
                "kubeconfig.sh", NodeScripts.kubeconfig());
        scripts.forEach((name, script) -> {
            Golden.assertMatches("NodeScriptsTest", name, script);
            ShellcheckTest.assertRenderedScriptClean(name, script);
        });
        for (String teardown : List.of(NodeScripts.reset(CONFIG, WORKER1), NodeScripts.drain(CONFIG, WORKER1),
                NodeScripts.deleteNode(CONFIG, WORKER1))) {
            assertFalse(teardown.contains(TOKEN) || teardown.contains(KEY), "teardown scripts run as command lines: no secrets");
        }
    }

    @Test
    void prepareOnAFreshUbuntuNodeThenNothingOnASecondRun() throws Exception {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        ScriptHarness.Run first = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, first.exitCode(), first.stderr());
        for (String call : List.of("swapoff -a", "modprobe overlay", "modprobe br_netfilter", "sysctl --system",
                "apt-get install -y -q --no-install-recommends containerd conntrack socat", "systemctl restart containerd",
                "apt-get install -y -q --allow-change-held-packages --allow-downgrades kubelet=1.31.4-* kubeadm=1.31.4-* kubectl=1.31.4-*",
                "apt-mark hold kubelet", "systemctl enable kubelet", "firewall-cmd --permanent --add-port=6443/tcp",
                "firewall-cmd --permanent --add-port=2379-2380/tcp", "systemctl mask swap.img.swap")) {
            assertTrue(first.called(call), "expected '" + call + "' in " + first.calls());
        }
        assertFalse(first.called("dnf"), "no RHEL tool on Ubuntu");
        assertTrue(Files.readString(h.root().resolve("etc/fstab")).contains("# kubeha: swap off for the kubelet: /swap.img"));
        assertTrue(Files.readString(h.root().resolve("etc/containerd/config.toml")).contains("SystemdCgroup = true"));
        assertEquals("KUBELET_EXTRA_ARGS=--node-ip=192.168.56.10\n", Files.readString(h.root().resolve("etc/default/kubelet")));
        assertTrue(Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")).contains("pkgs.k8s.io/core:/stable:/v1.31/deb/"));

        ScriptHarness.Run second = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, second.exitCode(), second.stderr());
        assertNothingChanged(second);
    }

    @Test
    void prepareOnAFreshRockyNodeThenNothingOnASecondRun() throws Exception {
        ScriptHarness h = freshNode(ScriptHarness.ROCKY);
        ScriptHarness.Run first = h.run(NodeScripts.prepare(CONFIG, WORKER1));
        assertEquals(0, first.exitCode(), first.stderr());
        for (String call : List.of("dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo",
                "dnf install -y -q containerd.io container-selinux conntrack-tools socat", "setenforce 0",
                "dnf install -y -q --disableexcludes=kubernetes kubelet-1.31.4 kubeadm-1.31.4 kubectl-1.31.4",
                "firewall-cmd --permanent --add-port=10250/tcp", "firewall-cmd --permanent --add-port=30000-32767/tcp")) {
            assertTrue(first.called(call), "expected '" + call + "' in " + first.calls());
        }
        assertFalse(first.called("apt-get"), "no Debian tool on Rocky");
        assertFalse(first.called("firewall-cmd --permanent --add-port=6443/tcp"), "workers do not open the API port");
        assertTrue(Files.readString(h.root().resolve("etc/yum.repos.d/kubernetes.repo")).contains("exclude=kubelet kubeadm kubectl"));
        assertEquals("KUBELET_EXTRA_ARGS=--node-ip=192.168.56.20\n", Files.readString(h.root().resolve("etc/sysconfig/kubelet")));
        assertEquals("SELINUX=permissive\n", Files.readString(h.root().resolve("etc/selinux/config")));
        Files.writeString(h.root().resolve("etc/yum.repos.d/docker-ce.repo"), "[docker]\n");

        ScriptHarness.Run second = h.run(NodeScripts.prepare(CONFIG, WORKER1));
        assertEquals(0, second.exitCode(), second.stderr());
        assertNothingChanged(second);
    }

    @Test
    void preparationLeavesAClusterMembersVersionToItsUpgradeStep() throws Exception {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        assertEquals(0, h.run(NodeScripts.prepare(CONFIG, WORKER1)).exitCode());
        Files.createDirectories(h.root().resolve("etc/kubernetes"));
        Files.writeString(h.root().resolve("etc/kubernetes/kubelet.conf"), "joined\n");
        String repo = Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list"));

        ScriptHarness.Run sameMinor = h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31")), WORKER1));
        assertEquals(0, sameMinor.exitCode(), "1.31.4 is a 1.31: " + sameMinor.stderr());
        assertNothingChanged(sameMinor);

        ClusterConfig newer = Stacks.config("vagrant", Map.of("kubernetesVersion", "1.32"));
        ScriptHarness.Run upgrade = h.run(NodeScripts.prepare(newer, WORKER1));
        assertEquals(0, upgrade.exitCode(), upgrade.stderr());
        assertTrue(upgrade.stderr().contains("this node runs Kubernetes 1.31.4; its upgrade step moves it to 1.32"), upgrade.stderr());
        assertFalse(upgrade.called("apt-get"), "kubelets never move ahead of the control plane here: " + upgrade.calls());
        assertEquals(repo, Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")), "the repository stays");

        ScriptHarness fresh = freshNode(ScriptHarness.UBUNTU);
        ScriptHarness.Run newNode = fresh.run(NodeScripts.prepare(newer, WORKER1));
        assertEquals(0, newNode.exitCode(), newNode.stderr());
        assertTrue(newNode.called("apt-get install -y -q --allow-change-held-packages --allow-downgrades "
                + "kubelet=1.32.3-* kubeadm=1.32.3-* kubectl=1.32.3-*"),
                "a new node gets the newest patch of the configured minor in the repository: " + newNode.calls());
    }

    @Test
    void aNodeThatLeftTheClusterGetsTheConfiguredVersionDowngradeIncluded() throws Exception {
        // After pulumi destroy the packages stay, held; the next cluster may want another minor (issue 14, item 4).
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        assertEquals(0, h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.32")), WORKER1)).exitCode());
        assertEquals(0, h.run(NodeScripts.reset(CONFIG, WORKER1)).exitCode());
        h.stub("dpkg-query", "case \"$*\" in *Version*) echo '1.32.3-1.1';; *) echo 'install ok installed';; esac");

        ScriptHarness.Run older = h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31")), WORKER1));
        assertEquals(0, older.exitCode(), older.stderr());
        assertTrue(older.called("apt-get install -y -q --allow-change-held-packages --allow-downgrades "
                + "kubelet=1.31.4-* kubeadm=1.31.4-* kubectl=1.31.4-*"), "the held 1.32 packages go back to 1.31: " + older.calls());
        assertTrue(Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")).contains("/v1.31/deb/"));

        ScriptHarness.Run missing = h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.34")), WORKER1));
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.stderr().contains("the configured Kubernetes repository has no kubeadm of 1.34"), missing.stderr());
    }

    @Test
    void aFailingStepStopsWithAClearError() {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU).stub("apt-get", "case \"$*\" in *install*) echo 'E: Unable to locate package' >&2; exit 100;; esac");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("ERROR: apt-get install containerd conntrack socat failed"), run.stderr());
        assertFalse(run.called("kubeadm"), "nothing runs after the failure");
    }

    /** A control-plane node whose kubeadm init writes admin.conf, and whose CA hash is ab..ab. */
    static ScriptHarness controlPlaneNode() {
        return new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubeadm", "case \"$1\" in version) echo v1.31.4;; init) mkdir -p \"$KUBEHA_ROOT/etc/kubernetes/pki\"; "
                        + "cp \"$3\" \"$KUBEHA_ROOT/init-config.yaml\"; touch \"$KUBEHA_ROOT/etc/kubernetes/admin.conf\";; esac")
                .stub("openssl", "cat >/dev/null 2>&1; case \"$1\" in dgst) echo 'SHA2-256(stdin)= " + "ab".repeat(32) + "';; *) echo x;; esac")
                .stubs("kubectl");
    }

    @Test
    void initRunsOnceAndAlwaysPrintsTheCaHash() throws Exception {
        ScriptHarness h = controlPlaneNode();
        ScriptHarness.Run first = h.run(NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY));
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.called("curl -sk --max-time 5 -o /dev/null -w %{http_code} https://192.168.56.100:6443/healthz"),
                "looks for a cluster at the VIP first: " + first.calls());
        assertTrue(first.called("kubeadm init --config"), first.calls().toString());
        assertTrue(first.called("kubeadm init --config") && first.calls().stream().noneMatch(c -> c.contains(TOKEN) || c.contains(KEY)),
                "secrets never appear on a command line: " + first.calls());
        assertEquals("sha256:" + "ab".repeat(32), NodeScripts.parseCaCertHash(first.stdout()));
        ScriptHarness.Run second = h.run(NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY));
        assertEquals(0, second.exitCode(), second.stderr());
        assertFalse(second.called("kubeadm init"), "already initialised");
        assertEquals("sha256:" + "ab".repeat(32), NodeScripts.parseCaCertHash(second.stdout()));

        // As the provider runs a delete: the teardown on the command line, the stored init script on stdin.
        ScriptHarness.Run reset = h.stubs("kubeadm").delete(NodeScripts.reset(CONFIG, MASTER1), NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY));
        assertEquals(0, reset.exitCode(), reset.stderr());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-init-done")), "a reset node initialised nothing");
    }

    @Test
    void initRefusesToCreateASecondClusterWhileOneAnswersAtTheVip() {
        // The node that initialised the cluster was rebuilt (a new VM) while the other control-plane nodes still serve.
        ScriptHarness h = controlPlaneNode().stub("curl", "echo 200");
        ScriptHarness.Run run = h.run(NodeScripts.init(CONFIG, MASTER1, TOKEN, KEY));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("an API server already answers at https://192.168.56.100:6443 (HTTP 200): "
                + "kubeadm init on k8s-master1 would create a second cluster"), run.stderr());
        assertFalse(run.called("kubeadm init"), run.calls().toString());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-init-done")));
    }

    @Test
    void credentialsCreateTheJoinsTokenAndReuploadCertificatesWithoutSecretsOnCommandLines() throws Exception {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubectl", "cat > \"$KUBEHA_ROOT/applied.yaml\"")
                .stub("kubeadm", "cp \"$6\" \"$KUBEHA_ROOT/upload.yaml\"");
        ScriptHarness.Run cp = h.run(NodeScripts.refreshCredentials(CONFIG, MASTER2, TOKEN, KEY));
        assertEquals(0, cp.exitCode(), cp.stderr());
        String applied = Files.readString(h.root().resolve("applied.yaml"));
        assertTrue(applied.contains("name: bootstrap-token-abcdef") && applied.contains("token-secret: \"0123456789abcdef\""), applied);
        assertTrue(cp.called("kubeadm init phase upload-certs --upload-certs --config"), cp.calls().toString());
        assertTrue(Files.readString(h.root().resolve("upload.yaml")).contains("certificateKey: " + KEY));
        assertTrue(cp.calls().stream().noneMatch(c -> c.contains("0123456789abcdef")), "no secret in any argv: " + cp.calls());

        ScriptHarness.Run worker = new ScriptHarness(ScriptHarness.UBUNTU).stubs("kubectl", "kubeadm")
                .run(NodeScripts.refreshCredentials(CONFIG, WORKER1, TOKEN, null));
        assertEquals(0, worker.exitCode(), worker.stderr());
        assertFalse(worker.called("kubeadm"), "workers need no certificates");
    }

    @Test
    void controlPlaneNodesTakeWorkloadsExactlyWhenThereAreNoWorkers() throws Exception {
        // The pretend cluster: a file per Node holding its KEY:EFFECT taints (issue 14, item 6); k8s-master2 carries
        // the key with another effect only, set by its admin, which kubeha leaves alone.
        String cp = "node-role.kubernetes.io/control-plane";
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl",
                "t=\"$KUBEHA_ROOT/taints-\"; case \"$*\" in "
                        + "*' get node '*) n=\"$*\"; n=\"${n##* get node }\"; tr '\\n' ' ' <\"$t${n%% *}\";; "
                        + "*'NoSchedule-'*) n=\"$*\"; n=\"${n##* taint node }\"; sed -i '/:NoSchedule$/d' \"$t${n%% *}\";; "
                        + "*'=:NoSchedule'*) n=\"$*\"; n=\"${n##* taint node }\"; echo " + cp + ":NoSchedule >>\"$t${n%% *}\";; esac");
        for (Node n : CONFIG.controlPlane()) {
            Files.writeString(h.root().resolve("taints-" + n.name()), cp + ":NoSchedule\n");
        }
        Files.writeString(h.root().resolve("taints-k8s-master2"), cp + ":PreferNoSchedule\n");
        ClusterConfig noWorkers = Stacks.config("vagrant", Map.of("workers", "[]"));
        ScriptHarness.Run untaint = h.run(NodeScripts.scheduling(noWorkers));
        assertEquals(0, untaint.exitCode(), untaint.stderr());
        assertTrue(untaint.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/admin.conf --request-timeout=10s taint node "
                + "k8s-master3 node-role.kubernetes.io/control-plane:NoSchedule-"), untaint.calls().toString());
        ScriptHarness.Run again = h.run(NodeScripts.scheduling(noWorkers));
        assertFalse(again.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/admin.conf --request-timeout=10s taint"),
                "nothing changes on a second run: " + again.calls());

        ScriptHarness.Run taint = h.run(NodeScripts.scheduling(CONFIG));
        assertEquals(0, taint.exitCode(), taint.stderr());
        for (Node n : CONFIG.controlPlane()) {
            assertTrue(Files.readString(h.root().resolve("taints-" + n.name())).contains(cp + ":NoSchedule\n"),
                    n.name() + " takes no workloads once there are workers");
        }
        assertTrue(Files.readString(h.root().resolve("taints-k8s-master2")).startsWith(cp + ":PreferNoSchedule\n"),
                "another effect of the same key stays");
    }

    @Test
    void aFailedJoinSaysHowToRefreshItsCredentials() {
        ScriptHarness.Run run = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubeadm", "echo 'error: unable to fetch the kubeadm-config ConfigMap: token expired' >&2; exit 1")
                .run(NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("credentials step ran more than 2 hours ago: pulumi up --replace the URN of "
                + "k8s-worker1-credentials"), run.stderr());
    }

    @Test
    void joinIsGuardedAndAControlPlaneJoinWaitsForHealth() throws Exception {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubeadm", "mkdir -p \"$KUBEHA_ROOT/etc/kubernetes\"; touch \"$KUBEHA_ROOT/etc/kubernetes/kubelet.conf\"")
                .stub("curl", "echo ok").stubs("kubectl", "sleep");
        ScriptHarness.Run first = h.run(NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY));
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.called("kubeadm join --config"));
        assertTrue(first.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/admin.conf -n kube-system wait --for=condition=Ready pod/etcd-k8s-master2"),
                first.calls().toString());
        ScriptHarness.Run second = h.run(NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY));
        assertFalse(second.called("kubeadm join"), "already joined");

        ScriptHarness unhealthy = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("kubeadm", "mkdir -p \"$KUBEHA_ROOT/etc/kubernetes\"; touch \"$KUBEHA_ROOT/etc/kubernetes/kubelet.conf\"")
                .stub("curl", "echo 'etcd failed'").stubs("kubectl", "sleep");
        ScriptHarness.Run bad = unhealthy.run(NodeScripts.joinControlPlane(CONFIG, MASTER2, TOKEN, HASH, KEY));
        assertNotEquals(0, bad.exitCode());
        assertTrue(bad.stderr().contains("k8s-master2 joined, but its API server or etcd member is not healthy"), bad.stderr());
    }
}
