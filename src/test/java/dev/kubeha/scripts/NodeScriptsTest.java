package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Kubernetes node scripts, run with bash against stubbed system commands that record their calls. */
@Execution(ExecutionMode.CONCURRENT)
class NodeScriptsTest {
    static final ClusterConfig CONFIG = Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31.4", "firewall", "true"));
    static final Node MASTER1 = CONFIG.controlPlane().get(0);
    static final Node MASTER2 = CONFIG.controlPlane().get(1);
    static final Node WORKER1 = CONFIG.workers().get(0);
    static final String TOKEN = "abcdef.0123456789abcdef";
    static final String KEY = "0123456789abcdef".repeat(4);
    static final String HASH = "sha256:" + "12".repeat(32);

    /** Commands that change a node; a second run must call none of them. */
    static final List<String> CHANGING = List.of("apt-get -o DPkg::Lock::Timeout=600 install", "apt-get update", "apt-mark hold", "dnf install",
            "swapoff", "modprobe", "sysctl -q -p", "systemctl restart", "systemctl enable", "systemctl mask", "setenforce",
            "firewall-cmd --permanent --add", "firewall-cmd --permanent --zone=trusted --add", "firewall-cmd --reload",
            "ufw allow", "ufw route allow", "systemctl reload", "gpg", "dnf config-manager", "kubeadm init", "kubeadm join");

    /**
     * firewall-cmd, its permanent configuration in STATE.* files: ports (--query-port, --add-port) and the zone of a
     * source (--get-zone-of-source prints the zone, or "no zone" with exit code 2 as firewall-cmd does).
     */
    static final String FIREWALLD = """
            zone=public; port=""; source=""; op=""
            for a; do
              case "$a" in
                --zone=*) zone="${a#*=}" ;;
                --query-port=*|--add-port=*) op="${a%%=*}"; port="${a#*=}" ;;
                --get-zone-of-source=*|--add-source=*|--remove-source=*) op="${a%%=*}"; source="${a#*=}" ;;
              esac
            done
            p="STATE.fw-${port//\\//_}"; s="STATE.src-${source//\\//_}"
            case "$op" in
              --query-port) [ -f "$p" ] ;;
              --add-port) touch "$p" ;;
              --get-zone-of-source) if [ -f "$s" ]; then cat "$s"; else echo 'no zone'; exit 2; fi ;;
              --add-source) echo "$zone" >"$s" ;;
              --remove-source) [ "$(cat "$s" 2>/dev/null)" = "$zone" ] && rm -f "$s" ;;
            esac
            """;

    /**
     * ufw with its rules in STATE.ufw, listed by `ufw status` as ufw prints them (destination, action, source:
     * "%-26s %-12s%-26s", routed rules "ALLOW FWD"; veridit/ufw src/backend_iptables.py, get_status).
     */
    static final String UFW = """
            rules=STATE.ufw
            line() { if [ "$1" = from ]; then printf '%-26s %-12s%s' Anywhere 'ALLOW FWD' "$2"; else printf '%-26s %-12s%s' "$2" 'ALLOW FWD' Anywhere; fi; }
            case "$1 $2" in
              "status "*) [ -f "$rules" ] && { echo 'Status: active'; echo; cat "$rules"; } ;;
              "allow "*) shift; printf '%-26s %-12s%s\\n' "$*" ALLOW Anywhere >>"$rules" ;;
              "route allow") line "$3" "$4" >>"$rules"; echo >>"$rules" ;;
              "route delete") grep -vxF "$(line "$4" "$5")" "$rules" >"$rules.new"; mv "$rules.new" "$rules" ;;
            esac
            exit 0
            """;

    /** A fresh node of the given family: nothing installed, swap on, modules not loaded, firewalld active. */
    static ScriptHarness freshNode(String osRelease) {
        ScriptHarness h = new ScriptHarness(osRelease);
        String state = h.dir().resolve("state").toString();
        h.stub("swapon", "[ -f " + state + ".swapoff ] || echo '/swap.img file 2G 0B -2'")
                .stub("swapoff", "touch " + state + ".swapoff")
                // A VM or bare-metal node (this test machine may itself be a container).
                .stub("systemd-detect-virt", "echo none; exit 1")
                .stub("modprobe", "mkdir -p \"$KUBEHA_ROOT/proc\"; echo \"$1 16384 0 - Live 0x0\" >>\"$KUBEHA_ROOT/proc/modules\"")
                // Installed packages are state.pkg-NAME; their version is state.version-NAME, else containerd.io's 2.1.4
                // (Docker's package) or the Kubernetes packages' 1.31.4.
                .stub("dpkg-query", "for last; do :; done; [ -f " + state + ".pkg-\"$last\" ] || exit 1; case \"$*\" in *Version*) "
                        + "cat " + state + ".version-\"$last\" 2>/dev/null || { [ \"$last\" = containerd.io ] && echo '2.1.4-1~ubuntu.24.04~noble' || echo '1.31.4-1.1'; };; "
                        + "*) echo 'install ok installed';; esac")
                .stub("rpm", "for last; do :; done; [ -f " + state + ".pkg-\"$last\" ] || exit 1; case \"$*\" in *VERSION*) "
                        + "cat " + state + ".version-\"$last\" 2>/dev/null || { [ \"$last\" = containerd.io ] && echo '2.1.4' || echo '1.31.4'; };; esac; exit 0")
                // apt-get install -s (a simulation) prints state.simulation: what apt would do, "Remv NAME" lines included.
                .stub("apt-get", "[ \"$1\" = -o ] && shift 2; [ \"$1\" = install ] || exit 0; case \" $* \" in *' -s '*) cat " + state + ".simulation 2>/dev/null; exit 0;; esac; "
                        + "for a; do case \"$a\" in -*|install) ;; *) touch " + state + ".pkg-\"${a%%[=-][0-9]*}\";; esac; done")
                .stub("kubeadm", "[ \"$1 $2 $3\" = 'config images list' ] && printf 'registry.k8s.io/kube-apiserver:%s\\nregistry.k8s.io/pause:3.10\\nregistry.k8s.io/etcd:3.5.15-0\\n' \"$5\"; exit 0")
                .stub("dnf", "[ \"$1\" = list ] && printf 'kubeadm.x86_64  %s  kubernetes\\n' 1.31.4-150500.1.1 1.32.2-150500.1.1 1.32.3-150500.1.1 1.36.4-150500.1.1; "
                        + "[ \"$1\" = install ] || exit 0; for a; do case \"$a\" in -*|install) ;; *) touch " + state + ".pkg-\"${a%%-[0-9]*}\";; esac; done")
                .stub("apt-mark", "case \"$1\" in showhold) [ -f " + state + ".held ] && printf 'kubelet\\nkubeadm\\nkubectl\\n'; exit 0;; hold) touch " + state + ".held;; esac; exit 0")
                .stub("systemctl", "for unit; do :; done; case \"$1\" in "
                        + "is-active) { [ \"$unit\" = firewalld ] && [ ! -f " + state + ".ufw ]; } || [ -f " + state + ".active-\"$unit\" ];; "
                        + "is-enabled) [ -f " + state + ".enabled-\"$unit\" ];; "
                        + "enable) touch " + state + ".enabled-\"$unit\"; [ \"$2\" = --now ] && touch " + state + ".active-\"$unit\"; exit 0;; "
                        + "restart) touch " + state + ".active-\"$unit\";; "
                        + "list-unit-files) [ -f " + state + ".masked ] && echo 'swap.img.swap masked' || echo 'swap.img.swap generated';; "
                        + "mask) touch " + state + ".masked;; *) exit 0;; esac")
                .stub("firewall-cmd", FIREWALLD.replace("STATE", state))
                .stub("curl", "printf '%s\\n' " + ScriptHarness.shellQuote(ScriptHarness.SIGNING_KEY))
                .stub("gpg", "echo 'a minimal Debian has no gpg' >&2; exit 127")
                .stub("apt-cache", "[ \"$1\" = madison ] && printf ' %s | %s | https://pkgs.k8s.io/core:/stable:/v1.3x/deb  Packages\\n' "
                        + "kubeadm 1.31.4-1.1 kubeadm 1.32.2-1.1 kubeadm 1.32.3-1.1 kubeadm 1.33.0-1.1 kubeadm 1.35.9-1.1 kubeadm 1.36.4-1.1; exit 0")
                .stub("getenforce", "[ -f " + state + ".permissive ] && echo Permissive || echo Enforcing")
                .stub("setenforce", "touch " + state + ".permissive")
                .stub("ufw", UFW.replace("STATE", state))
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

    /** A fresh Ubuntu node whose active firewall is ufw (no firewalld). */
    static ScriptHarness freshUfwNode() {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        try {
            Files.writeString(h.dir().resolve("state.ufw"), "");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return h;
    }

    /** The node has these packages installed already (with the stubs' versions, or state.version-NAME). */
    static ScriptHarness installed(ScriptHarness h, String... packages) {
        try {
            for (String p : packages) {
                Files.writeString(h.dir().resolve("state.pkg-" + p), "");
            }
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
                "worker-tokens.sh", NodeScripts.workerTokens(List.of(new NodeScripts.WorkerToken("k8s-worker1", TOKEN,
                        "k8s-worker1-credentials-0f1e2d3c"))),
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
        for (String call : List.of("swapoff -a", "modprobe overlay", "modprobe br_netfilter", "sysctl -q -p",
                "apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd.io",
                "apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends conntrack socat", "systemctl restart containerd",
                "apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades kubelet=1.31.4-* kubeadm=1.31.4-* kubectl=1.31.4-*",
                "apt-mark hold kubelet", "systemctl enable kubelet", "firewall-cmd --permanent --add-port=6443/tcp",
                "firewall-cmd --permanent --add-port=2379-2380/tcp", "systemctl mask swap.img.swap")) {
            assertTrue(first.called(call), "expected '" + call + "' in " + first.calls());
        }
        assertFalse(first.called("dnf"), "no RHEL tool on Ubuntu");
        assertTrue(Files.readString(h.root().resolve("etc/fstab")).contains("# kubeha: swap off for the kubelet: /swap.img"));
        assertFalse(first.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd "),
                "never the distribution's containerd by default: " + first.calls());
        assertEquals("deb [signed-by=/etc/apt/keyrings/kubeha-containerd.asc] https://download.docker.com/linux/ubuntu noble stable\n",
                Files.readString(h.root().resolve("etc/apt/sources.list.d/kubeha-containerd.list")));
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
        for (String call : List.of("dnf install -y -q containerd.io", "dnf install -y -q container-selinux conntrack-tools socat", "setenforce 0",
                "dnf install -y -q --disableexcludes=kubernetes kubelet-1.31.4 kubeadm-1.31.4 kubectl-1.31.4",
                "firewall-cmd --permanent --add-port=10250/tcp", "firewall-cmd --permanent --add-port=30000-32767/tcp")) {
            assertTrue(first.called(call), "expected '" + call + "' in " + first.calls());
        }
        assertFalse(first.called("apt-get"), "no Debian tool on Rocky");
        assertFalse(first.called("firewall-cmd --permanent --add-port=6443/tcp"), "workers do not open the API port");
        assertTrue(Files.readString(h.root().resolve("etc/yum.repos.d/kubernetes.repo")).contains("exclude=kubelet kubeadm kubectl"));
        assertEquals("KUBELET_EXTRA_ARGS=--node-ip=192.168.56.20\n", Files.readString(h.root().resolve("etc/sysconfig/kubelet")));
        assertEquals("SELINUX=permissive\n", Files.readString(h.root().resolve("etc/selinux/config")));
        assertTrue(Files.readString(h.root().resolve("etc/yum.repos.d/kubeha-containerd.repo"))
                .contains("baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\n"));

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
        assertTrue(newNode.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades "
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
        assertTrue(older.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages --allow-downgrades "
                + "kubelet=1.31.4-* kubeadm=1.31.4-* kubectl=1.31.4-*"), "the held 1.32 packages go back to 1.31: " + older.calls());
        assertTrue(Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")).contains("/v1.31/deb/"));

        ScriptHarness.Run missing = h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.34")), WORKER1));
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.stderr().contains("ERROR: Kubernetes 1.34 is not in the repository https://pkgs.k8s.io/core:/stable:/v1.34/deb/: "
                + "it has no kubeadm of 1.34"), missing.stderr());
    }

    @Test
    void aFailingStepStopsWithAClearError() {
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "curl", "ca-certificates")
                .stub("apt-get", "case \"$*\" in *install*) echo 'E: Unable to locate package' >&2; exit 100;; esac");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("ERROR: apt-get cannot install containerd.io from https://download.docker.com/linux/ubuntu (noble): "
                + "E: Unable to locate package"), run.stderr());
        assertFalse(run.called("kubeadm"), "nothing runs after the failure");
    }

    @Test
    void onUfwEveryPortRangeIsWrittenWithAColonAndASecondRunAddsNothing() {
        for (Node node : List.of(MASTER1, WORKER1)) {
            ScriptHarness h = freshUfwNode();
            ScriptHarness.Run first = h.run(NodeScripts.prepare(CONFIG, node));
            assertEquals(0, first.exitCode(), first.stderr());
            List<String> rules = first.calls().stream().filter(c -> c.startsWith("ufw allow")).toList();
            assertTrue(rules.contains(node == MASTER1 ? "ufw allow 2379:2380/tcp" : "ufw allow 30000:32767/tcp"), rules.toString());
            UfwRules.assertUfwAccepts(rules);
            assertFalse(first.called("firewall-cmd"), "no firewalld on this node: " + first.calls());
            assertNothingChanged(h.run(NodeScripts.prepare(CONFIG, node)));
        }
    }

    @Test
    void theSigningKeyNeedsNoGpgAndCurlIsInstalledWhenMissing() throws Exception {
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends curl ca-certificates"),
                "a minimal host gets curl first: " + run.calls());
        assertTrue(run.calls().indexOf("curl -fsSL --max-time 60 https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key") > 0,
                run.calls().toString());
        assertFalse(run.called("gpg"), "no gpg on a minimal Debian 12: " + run.calls());
        assertEquals(ScriptHarness.SIGNING_KEY + "\n", Files.readString(h.root().resolve("etc/apt/keyrings/kubernetes-1.31.asc")),
                "the armored key as downloaded, which apt's signed-by reads from an .asc file");
        assertEquals("deb [signed-by=/etc/apt/keyrings/kubernetes-1.31.asc] https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /\n",
                Files.readString(h.root().resolve("etc/apt/sources.list.d/kubernetes.list")));
    }

    /** Builds, under $1, a signed apt repository (repo/) and its ASCII-armored public key (key.asc), with gpg. */
    static final String SIGNED_REPO = """
            set -e
            cd "$1"
            export GNUPGHOME="$1/gnupg"
            mkdir -m 700 gnupg repo
            gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'kubeha test <t@example.invalid>' rsa2048 sign 1d
            : >repo/Packages
            { echo 'Suite: stable'; echo "Date: $(date -Ru)"; echo 'SHA256:'
              echo " $(sha256sum repo/Packages | cut -d' ' -f1) 0 Packages"; } >repo/Release
            gpg --batch --quiet --pinentry-mode loopback --passphrase '' --clearsign -o repo/InRelease repo/Release
            gpg --batch --armor --export >key.asc
            gpgconf --kill all 2>/dev/null || true
            """;

    /** apt-get update of one source with its own state, on a PATH without gpg ($1: the folder, $2: the sources line). */
    static final String APT_UPDATE_WITHOUT_GPG = """
            cd "$1"
            mkdir -p nogpg state/lists/partial cache/archives/partial etc/trusted.gpg.d etc/preferences.d etc/apt.conf.d
            for d in /usr/bin /bin /usr/sbin /sbin; do
              for f in "$d"/*; do b="${f##*/}"; case "$b" in gpg|gpg2) ;; *) [ -e "nogpg/$b" ] || ln -s "$f" "nogpg/$b" ;; esac; done
            done
            printf '%s\n' "$2" >etc/sources.list
            rm -rf state/lists/* && mkdir -p state/lists/partial
            PATH="$1/nogpg"
            ! command -v gpg >/dev/null || { echo 'gpg is still on PATH'; exit 2; }
            apt-get -o Dir::Etc="$1/etc" -o Dir::Etc::sourcelist="$1/etc/sources.list" -o Dir::Etc::sourceparts=- \
              -o Dir::State="$1/state" -o Dir::State::status=/var/lib/dpkg/status -o Dir::Cache="$1/cache" \
              -o APT::Sandbox::User=root update 2>&1
            """;

    @Test
    void aptVerifiesTheRepositoryWithTheKeyAsPrepareKeepsItAndNoGpg() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "apt-get update of a test repository runs as root");
        for (String tool : List.of("apt-get", "gpg", "gpgv", "sha256sum")) {
            assumeTrue(Netns.onPath(tool), tool + " is not installed");
        }
        ScriptHarness h = freshNode(ScriptHarness.UBUNTU);
        Path apt = Files.createDirectories(h.dir().resolve("apt"));
        Netns.Result repo = Netns.exec("bash", "-c", SIGNED_REPO, "-", apt.toString());
        assertEquals(0, repo.exitCode(), repo.output());
        h.stub("curl", "cat " + apt.resolve("key.asc"));
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, run.exitCode(), run.stderr());
        Path key = h.root().resolve("etc/apt/keyrings/kubernetes-1.31.asc");

        String source = "deb [signed-by=" + key + "] file:" + apt.resolve("repo") + "/ /";
        Netns.Result update = Netns.exec("bash", "-c", APT_UPDATE_WITHOUT_GPG, "-", apt.toString(), source);
        assertEquals(0, update.exitCode(), update.output());
        assertFalse(update.output().contains("GPG error") || update.output().contains("is not signed"), update.output());

        // The same with a key that is not the repository's: apt refuses, so the check above means something.
        Files.writeString(key, Files.readString(key).replaceFirst("(?m)^(mQ[A-Za-z0-9+/]{8})", "$1AAAA"));
        Netns.Result refused = Netns.exec("bash", "-c", APT_UPDATE_WITHOUT_GPG, "-", apt.toString(), source);
        assertTrue(refused.output().contains("is not signed") || refused.output().contains("NO_PUBKEY"), refused.output());
    }

    @Test
    void aDownloadThatIsNotASigningKeyFailsClearly() {
        // Docker's containerd.io is there already: the first key fetched is the Kubernetes repository's.
        ScriptHarness.Run portal = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io").stub("curl", "echo '<html>captive portal</html>'")
                .run(NodeScripts.prepare(CONFIG, MASTER1));
        assertNotEquals(0, portal.exitCode());
        assertTrue(portal.stderr().contains("https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key is not one ASCII-armored "
                + "OpenPGP public key; it begins: <html>captive portal</html>"), portal.stderr());
        ScriptHarness.Run offline = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io")
                .stub("curl", "echo 'curl: (6) Could not resolve host: pkgs.k8s.io' >&2; exit 6").run(NodeScripts.prepare(CONFIG, MASTER1));
        assertNotEquals(0, offline.exitCode());
        assertTrue(offline.stderr().contains("cannot download the package signing key https://pkgs.k8s.io/core:/stable:/v1.31/deb/"
                + "Release.key: curl: (6) Could not resolve host"), offline.stderr());
        assertFalse(offline.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-change-held-packages"));
    }

    @Test
    void aptWaitsWhileUnattendedUpgradesHoldsItsLocks() throws Exception {
        // apt-get update fails at once while another apt holds the lists' lock, and apt-mark while dpkg's is held;
        // install and purge are told to wait for dpkg's lock (DPkg::Lock::Timeout).
        // This apt-get installs nothing: containerd.io and kubeadm (which names the sandbox image) are there already.
        ScriptHarness h = installed(freshNode(ScriptHarness.UBUNTU), "containerd.io", "kubeadm");
        String count = h.dir().resolve("update-count").toString();
        String lockedTwice = "if [ \"$1\" = update ]; then n=$(cat " + count + " 2>/dev/null || echo 0); echo $((n + 1)) >" + count + "; "
                + "[ \"$n\" -ge 2 ] || { echo 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)' >&2; exit 100; }; fi";
        String holds = h.dir().resolve("hold-count").toString();
        String dpkgLockedOnce = "[ \"$1\" = hold ] || exit 0; n=$(cat " + holds + " 2>/dev/null || echo 0); echo $((n + 1)) >" + holds + "; "
                + "[ \"$n\" -ge 1 ] || { echo 'dpkg: error: dpkg frontend lock was locked by another process with pid 812' >&2; exit 2; }";
        h.stub("apt-get", lockedTwice).stub("apt-mark", dpkgLockedOnce).stubs("sleep");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("another apt or dpkg holds a lock apt-get update needs (unattended-upgrades at first boot?); waiting"),
                run.stderr());
        assertTrue(run.stderr().contains("holds a lock apt-mark hold needs"), "apt-mark runs dpkg, which does not wait: " + run.stderr());
        assertTrue(run.calls().stream().filter(c -> c.startsWith("apt-mark hold")).count() > 3, run.calls().toString());
        assertTrue(run.calls().stream().filter(c -> c.startsWith("apt-get") && !c.startsWith("apt-get update"))
                .allMatch(c -> c.startsWith("apt-get -o DPkg::Lock::Timeout=600 ")), run.calls().toString());

        ScriptHarness forever = freshNode(ScriptHarness.UBUNTU).stubs("sleep")
                .stub("apt-get", "[ \"$1\" = update ] && { echo 'E: Could not get lock /var/lib/apt/lists/lock' >&2; exit 100; }; exit 0");
        ScriptHarness.Run stuck = forever.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertNotEquals(0, stuck.exitCode());
        assertTrue(stuck.stderr().contains("apt-get update: locked for 600s") && stuck.stderr().contains("ERROR: apt-get update failed"),
                stuck.stderr());
        assertEquals(120, stuck.calls().stream().filter(c -> c.startsWith("apt-get update")).count(), "bounded: every 5 s for 600 s");
    }

    /** A worker's packet filter on a ufw host: ufw's chains and DROP policies, and what kube-proxy and the CNIs made. */
    static final String UFW_AND_KUBERNETES_RULES = """
            *filter
            :INPUT DROP [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            :ufw-before-input - [0:0]
            :ufw-user-input - [0:0]
            :KUBE-FIREWALL - [0:0]
            :KUBE-SERVICES - [0:0]
            :CNI-FORWARD - [0:0]
            :FLANNEL-FWD - [0:0]
            :cali-INPUT - [0:0]
            -A INPUT -j ufw-before-input
            -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
            -A INPUT -j KUBE-FIREWALL
            -A INPUT -j cali-INPUT
            -A FORWARD -j CNI-FORWARD
            -A FORWARD -j FLANNEL-FWD
            -A ufw-before-input -i lo -j ACCEPT
            -A ufw-before-input -j ufw-user-input
            -A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT
            -A KUBE-FIREWALL -j DROP
            -A FLANNEL-FWD -s 10.244.0.0/16 -j ACCEPT
            -A cali-INPUT -j ACCEPT
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :KUBE-POSTROUTING - [0:0]
            :CNI-0123abcd - [0:0]
            -A POSTROUTING -j KUBE-POSTROUTING
            -A POSTROUTING -s 10.244.0.0/24 -j CNI-0123abcd
            -A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE
            -A CNI-0123abcd -j MASQUERADE
            COMMIT
            """;

    @Test
    void resetRemovesWhatKubernetesMadeFromThePacketFilterAndLeavesTheHostFirewall() throws Exception {
        String why = Netns.unavailableReason();
        assumeTrue(why == null, why);
        assumeTrue(Netns.onPath("iptables-restore"), "iptables is not installed (apt-get install iptables)");
        try (Netns ns = Netns.withAddress("reset", "eth1", WORKER1.address(), 24)) {
            ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).unstub("iptables").inNamespace(ns);
            Path rules = h.dir().resolve("rules");
            Files.writeString(rules, UFW_AND_KUBERNETES_RULES);
            assertEquals(0, ns.run("sh", "-c", "iptables-restore < " + rules).exitCode());
            ScriptHarness.Run run = h.run(NodeScripts.reset(CONFIG, WORKER1),
                    Map.of("PATH", h.bin() + ":/usr/sbin:/usr/bin:/sbin:/bin"));
            assertEquals(0, run.exitCode(), run.stderr());

            String after = ns.run("iptables-save").output();
            for (String kept : List.of(":INPUT DROP", ":FORWARD DROP", "-A INPUT -j ufw-before-input",
                    "-A ufw-before-input -j ufw-user-input", "-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT",
                    "-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE")) {
                assertTrue(after.contains(kept), "the host's own rule stays (SSH stays reachable): " + kept + "\n" + after);
            }
            for (String gone : List.of("KUBE-", "CNI-", "FLANNEL-", "cali-")) {
                assertFalse(after.contains(gone), "Kubernetes' " + gone + " chains and the jumps to them are gone:\n" + after);
            }
            ScriptHarness.Run again = h.run(NodeScripts.reset(CONFIG, WORKER1), Map.of("PATH", h.bin() + ":/usr/sbin:/usr/bin:/sbin:/bin"));
            assertEquals(0, again.exitCode(), again.stderr());
            assertEquals(strip(after), strip(ns.run("iptables-save").output()), "a second reset changes nothing");
        }
    }

    /** iptables-save output without its comment lines (they carry the time). */
    static String strip(String save) {
        return save.lines().filter(l -> !l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
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
    void aTokenBatchMakesItsWorkersTokensInOneRunAndNoneForRegisteredWorkers() throws Exception {
        // The pretend API: `get nodes -o name` lists the nodes file; a server-side apply adds what it is sent to
        // applied.yaml.
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "case \"$*\" in "
                + "*' get nodes -o name') cat \"$KUBEHA_ROOT/nodes\" 2>/dev/null || true;; "
                + "*' apply --server-side --field-manager=kubeha --force-conflicts -f -') cat >>\"$KUBEHA_ROOT/applied.yaml\";; "
                + "*) exit 1;; esac");
        List<NodeScripts.WorkerToken> batch = java.util.stream.IntStream.rangeClosed(1, 40).mapToObj(i ->
                new NodeScripts.WorkerToken("k8s-worker" + i, String.format("w%05d.secret%010d", i, i), "membership-" + i)).toList();
        ScriptHarness.Run first = h.run(NodeScripts.workerTokens(batch));
        assertEquals(0, first.exitCode(), first.stderr());
        String applied = Files.readString(h.root().resolve("applied.yaml"));
        assertEquals(40, applied.split("kind: Secret", -1).length - 1, applied);
        for (int i : List.of(1, 17, 40)) {
            assertTrue(applied.contains("name: bootstrap-token-" + String.format("w%05d", i) + "\n")
                    && applied.contains("token-secret: \"" + String.format("secret%010d", i) + "\"")
                    && applied.contains("description: \"kubeha: join of k8s-worker" + i + " (membership-" + i + ")\""), applied);
        }
        assertTrue(applied.contains("type: bootstrap.kubernetes.io/token") && applied.contains("expiration: \""), applied);
        assertEquals(2, first.calls().size(), "one look at the nodes, one apply for all 40: " + first.calls());
        assertTrue(first.calls().stream().noneMatch(c -> c.contains("secret0")), "no secret in any argv: " + first.calls());
        assertFalse(first.stderr().contains("secret0"), "no secret in the log: " + first.stderr());

        // The workers joined: a second run (another acting member, a worker added to the batch) makes no token again,
        // only the new worker's.
        Files.writeString(h.root().resolve("nodes"), batch.stream().map(w -> "node/" + w.node() + "\n")
                .collect(java.util.stream.Collectors.joining()) + "node/k8s-master1\n");
        Files.delete(h.root().resolve("applied.yaml"));
        ScriptHarness.Run again = h.run(NodeScripts.workerTokens(batch));
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/admin.conf apply"), again.calls().toString());
        assertFalse(Files.exists(h.root().resolve("applied.yaml")), "nothing applied");
        List<NodeScripts.WorkerToken> grown = new java.util.ArrayList<>(batch);
        grown.add(new NodeScripts.WorkerToken("k8s-worker41", "w00041.secret0000000041", "membership-41"));
        ScriptHarness.Run added = h.run(NodeScripts.workerTokens(grown));
        assertEquals(0, added.exitCode(), added.stderr());
        applied = Files.readString(h.root().resolve("applied.yaml"));
        assertEquals(1, applied.split("kind: Secret", -1).length - 1, applied);
        assertTrue(applied.contains("name: bootstrap-token-w00041\n"), applied);

        ScriptHarness.Run down = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "exit 1").run(NodeScripts.workerTokens(batch));
        assertNotEquals(0, down.exitCode());
        assertTrue(down.stderr().contains("cannot list the nodes"), down.stderr());
    }

    @Test
    void aFailedTokenApplyShowsKubectlsErrorWithTheTokenSecretsMasked() {
        // As client-side apply does when its patch fails (kubernetes/kubectl pkg/cmd/apply/apply.go: "applying patch:
        // ... to: ..."), the stand-in repeats what it was sent in its error; pulumi-command would put that in its error.
        ScriptHarness.Run run = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "case \"$*\" in "
                        + "*' get nodes -o name') ;; *) echo 'Error from server (Forbidden): applying:' >&2; cat >&2; exit 1;; esac")
                .run(NodeScripts.workerTokens(List.of(new NodeScripts.WorkerToken("k8s-worker1", "w00001.secret0000000001", "m1"),
                        new NodeScripts.WorkerToken("k8s-worker2", "w00002.secret0000000002", "m2"))));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("cannot create the bootstrap tokens of k8s-worker1 k8s-worker2: Error from server (Forbidden)"),
                run.stderr());
        assertTrue(run.stderr().contains("token-secret: \"<token secret>\""), run.stderr());
        assertFalse(run.stderr().contains("secret000000000") || run.stdout().contains("secret000000000"), run.stderr());
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
    void aWorkerJoinIsDoneOnlyOnceItsNodeRegistered() throws Exception {
        String kubeadm = "mkdir -p \"$KUBEHA_ROOT/etc/kubernetes\"; touch \"$KUBEHA_ROOT/etc/kubernetes/kubelet.conf\"";
        // The kubelet registers the Node a moment after kubeadm join: the second look finds it.
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubeadm", kubeadm).stubs("sleep")
                .stub("kubectl", "f=\"$KUBEHA_ROOT/looks\"; echo x >>\"$f\"; [ \"$(wc -l <\"$f\")\" -ge 2 ]");
        ScriptHarness.Run first = h.run(NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH));
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.called("kubectl --kubeconfig " + h.root() + "/etc/kubernetes/kubelet.conf get node k8s-worker1"),
                "asks as the node itself: " + first.calls());
        assertTrue(Files.exists(h.root().resolve("var/lib/kubeha/kubeadm-join-done")), "marked done");
        assertFalse(h.run(NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH)).called("kubeadm join"), "already joined");

        ScriptHarness never = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubeadm", kubeadm).stubs("sleep")
                .stub("kubectl", "exit 1");
        ScriptHarness.Run unregistered = never.run(NodeScripts.joinWorker(CONFIG, WORKER1, TOKEN, HASH));
        assertNotEquals(0, unregistered.exitCode());
        assertTrue(unregistered.stderr().contains("k8s-worker1 joined, but did not register its Node within 10 minutes"),
                unregistered.stderr());
        assertFalse(Files.exists(never.root().resolve("var/lib/kubeha/kubeadm-join-done")), "not marked done");
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
