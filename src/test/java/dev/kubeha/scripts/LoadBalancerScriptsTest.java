package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.lb.LoadBalancerScripts;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The load balancer's node scripts, run with bash against recording stubs. */
@Execution(ExecutionMode.CONCURRENT)
class LoadBalancerScriptsTest {
    static final ClusterConfig CONFIG = Stacks.vagrant();
    static final Node LB1 = CONFIG.loadBalancers().get(0);

    static String configure() {
        return LoadBalancerScripts.configure(CONFIG, LB1, "statspw", "");
    }

    /** A load balancer whose eth1 carries 192.168.56.5, with haproxy/keepalived validators that accept. */
    static ScriptHarness lb() {
        return lb(ScriptHarness.UBUNTU);
    }

    static ScriptHarness lb(String osRelease) {
        return new ScriptHarness(osRelease)
                .stub("ip", "echo '3: eth1    inet 192.168.56.5/24 brd 192.168.56.255 scope global eth1\\       valid_lft forever'")
                .stub("systemctl", "case \"$1\" in is-enabled|is-active) exit 0;; esac; exit 0")
                .stubs("haproxy", "keepalived", "logger", "chown", "systemd-tmpfiles");
    }

    @Test
    void renderedScriptsAreGoldenAndShellcheckClean() {
        String install = LoadBalancerScripts.install(CONFIG, LB1);
        String remove = LoadBalancerScripts.remove(CONFIG, LB1);
        Golden.assertMatches("LoadBalancerScriptsTest", "install-k8s-lb1.sh", install);
        Golden.assertMatches("LoadBalancerScriptsTest", "configure-k8s-lb1.sh", configure());
        Golden.assertMatches("LoadBalancerScriptsTest", "remove-k8s-lb1.sh", remove);
        ShellcheckTest.assertRenderedScriptClean("install", install);
        ShellcheckTest.assertRenderedScriptClean("configure", configure());
        ShellcheckTest.assertRenderedScriptClean("remove", remove);
    }

    @Test
    void configureWritesValidatedFilesThenChangesNothingOnASecondRun() throws Exception {
        ScriptHarness h = lb();
        ScriptHarness.Run first = h.run(configure());
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.called("haproxy -c -f"), first.calls().toString());
        assertTrue(first.called("keepalived --config-test -f"), first.calls().toString());
        assertTrue(first.called("systemctl reload-or-restart haproxy"), first.calls().toString());
        assertTrue(first.called("systemctl reload-or-restart keepalived"), first.calls().toString());
        String keepalived = Files.readString(h.root().resolve("etc/keepalived/keepalived.conf"));
        assertTrue(keepalived.contains("interface eth1") && keepalived.contains("192.168.56.100/24 dev eth1"),
                "the interface found by the host's address replaces the token: " + keepalived);
        assertFalse(keepalived.contains(LoadBalancerScripts.INTERFACE_TOKEN));
        assertTrue(Files.readString(h.root().resolve("etc/haproxy/haproxy.cfg")).contains("user admin insecure-password statspw"));
        assertTrue(Files.isExecutable(h.root().resolve("usr/local/lib/kubeha/haproxy-watch.sh")));
        assertTrue(Files.isExecutable(h.root().resolve("usr/libexec/keepalived/kubeha-notify.sh")),
                "Keepalived's notify script where SELinux policy runs Keepalived's scripts unconfined");
        assertTrue(keepalived.contains("notify \"/usr/libexec/keepalived/kubeha-notify.sh /run/kubeha\""), keepalived);
        assertEquals(Path.of("/run/kubeha/kubeha_vrrp.prom"),
                Files.readSymbolicLink(h.root().resolve("var/lib/prometheus/node-exporter/kubeha_vrrp.prom")),
                "the notify script's metrics where node_exporter's textfile collector reads");
        assertFalse(first.called("restorecon"), "no SELinux relabelling on Ubuntu");

        ScriptHarness.Run second = h.run(configure());
        assertEquals(0, second.exitCode(), second.stderr());
        assertFalse(second.called("systemctl reload-or-restart"), "nothing changed, nothing reloaded: " + second.calls());
        assertFalse(second.called("systemctl restart"), second.calls().toString());
    }

    @Test
    void thePasswordsAreReadableByRootAndHaproxyOnlyAlsoOnAnUpgradedLoadBalancer() throws Exception {
        ScriptHarness h = lb();
        Path haproxyCfg = h.root().resolve("etc/haproxy/haproxy.cfg");
        Path keepalivedConf = h.root().resolve("etc/keepalived/keepalived.conf");
        ScriptHarness.Run first = h.run(configure());
        assertEquals(0, first.exitCode(), first.stderr());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(haproxyCfg)),
                "the stats password: root, and HAProxy's group");
        assertTrue(first.called("chown root:haproxy " + haproxyCfg + ".kubeha."), "owned before it goes into place: " + first.calls());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keepalivedConf)), "the VRRP password: root");

        // A load balancer configured by an earlier kubeha: same content, world-readable.
        Files.setPosixFilePermissions(haproxyCfg, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(keepalivedConf, PosixFilePermissions.fromString("rw-r--r--"));
        ScriptHarness.Run again = h.run(configure());
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(haproxyCfg)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keepalivedConf)));
        assertFalse(again.called("systemctl reload-or-restart"), "permissions alone reload nothing: " + again.calls());
    }

    @Test
    void theStateDirectoryComesBackAtEveryBootBeforeKeepalived() throws Exception {
        ScriptHarness h = lb();
        ScriptHarness.Run run = h.run(configure());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("d /run/kubeha 0755 root root -\n", Files.readString(h.root().resolve("etc/tmpfiles.d/kubeha.conf")));
        assertTrue(run.called("systemd-tmpfiles --create " + h.root() + "/etc/tmpfiles.d/kubeha.conf"), "and now: " + run.calls());
        String keepalived = Files.readString(h.root().resolve("etc/keepalived/keepalived.conf"));
        assertTrue(keepalived.contains("file \"/run/kubeha/haproxy-down\""), "the track file lives in that directory: " + keepalived);

        // A reboot: /run is an empty tmpfs again; systemd-tmpfiles-setup.service runs `systemd-tmpfiles --create
        // --remove --boot` before sysinit.target (systemd/systemd:units/systemd-tmpfiles-setup.service), so before
        // keepalived.service and the watcher.
        assumeTrue(Netns.onPath("systemd-tmpfiles"), "systemd-tmpfiles is not installed (apt-get install systemd)");
        assertFalse(Files.exists(h.root().resolve("run/kubeha")));
        Netns.Result boot = Netns.exec("systemd-tmpfiles", "--root=" + h.root(), "--create", "--remove", "--boot");
        assertEquals(0, boot.exitCode(), boot.output());
        assertTrue(Files.isDirectory(h.root().resolve("run/kubeha")), "after a reboot Keepalived finds its track file's directory");
    }

    @Test
    void onUfwTheLoadBalancersRulesAreOnesUfwAccepts() {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("dpkg-query", "echo 'install ok installed'")
                .stub("ufw", "case \"$1\" in status) echo 'Status: active';; esac")
                .stub("systemctl", "exit 3").stubs("apt-get");
        ScriptHarness.Run run = h.run(LoadBalancerScripts.install(Stacks.config("vagrant", Map.of("firewall", "true")), LB1));
        assertEquals(0, run.exitCode(), run.stderr());
        List<String> rules = run.calls().stream().filter(c -> c.startsWith("ufw allow")).toList();
        assertEquals(List.of("ufw allow 6443/tcp", "ufw allow 8404/tcp", "ufw allow proto vrrp from 192.168.56.6"), rules);
        UfwRules.assertUfwAccepts(rules);
    }

    @Test
    void withThreeLoadBalancersVrrpIsAcceptedFromBothOthers() {
        ClusterConfig three = Stacks.config("vagrant", Map.of("firewall", "true", "loadBalancers",
                "[\"lb-a=192.168.56.5\",\"lb-b=192.168.56.6\",\"lb-c=192.168.56.7\"]"));
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("dpkg-query", "echo 'install ok installed'")
                .stub("ufw", "case \"$1\" in status) echo 'Status: active';; esac")
                .stub("systemctl", "exit 3").stubs("apt-get");
        ScriptHarness.Run run = h.run(LoadBalancerScripts.install(three, three.loadBalancers().get(1)));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(List.of("ufw allow proto vrrp from 192.168.56.5", "ufw allow proto vrrp from 192.168.56.7"),
                run.calls().stream().filter(c -> c.startsWith("ufw allow proto vrrp")).toList());
    }

    @Test
    void aChangedBackendListReloadsHaproxyOnly() {
        ScriptHarness h = lb();
        assertEquals(0, h.run(configure()).exitCode());
        ClusterConfig grown = Stacks.config("vagrant", Map.of("controlPlaneNodes",
                "[\"k8s-master1=192.168.56.10\",\"k8s-master2=192.168.56.11\",\"k8s-master3=192.168.56.12\",\"k8s-master4=192.168.56.13\",\"k8s-master5=192.168.56.14\"]"));
        ScriptHarness.Run run = h.run(LoadBalancerScripts.configure(grown, LB1, "statspw", ""));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.called("systemctl reload-or-restart haproxy"), run.calls().toString());
        assertFalse(run.called("systemctl reload-or-restart keepalived"), run.calls().toString());
    }

    @Test
    void anInvalidConfigIsNotMovedIntoPlaceAndFailsClearly() throws Exception {
        ScriptHarness h = lb();
        assertEquals(0, h.run(configure()).exitCode());
        String before = Files.readString(h.root().resolve("etc/haproxy/haproxy.cfg"));
        h.stub("haproxy", "echo '[ALERT] parsing error' >&2; exit 1");
        ScriptHarness.Run run = h.run(LoadBalancerScripts.configure(CONFIG, LB1, "otherpw", ""));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("haproxy.cfg is invalid, nothing changed") && run.stderr().contains("parsing error"), run.stderr());
        assertEquals(before, Files.readString(h.root().resolve("etc/haproxy/haproxy.cfg")), "the running config stays");
        assertFalse(run.called("systemctl reload-or-restart"), run.calls().toString());
    }

    @Test
    void noInterfaceWithTheAddressIsAClearError() {
        ScriptHarness h = lb().stub("ip", "echo '2: eth0    inet 10.0.2.15/24 scope global eth0'");
        ScriptHarness.Run run = h.run(configure());
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("no network interface has the address 192.168.56.5"), run.stderr());
    }

    @Test
    void onRhelKeepalivedsNotifyScriptGetsItsSelinuxLabelFromPolicy() {
        ScriptHarness h = lb(ScriptHarness.ROCKY).stubs("restorecon");
        ScriptHarness.Run run = h.run(configure());
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.called("restorecon -F " + h.root() + "/usr/libexec/keepalived/kubeha-notify.sh"), run.calls().toString());
    }

    @Test
    void installUsesTheRightPackageManagerPerFamily() {
        ScriptHarness debian = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("dpkg-query", "exit 1").stubs("apt-get", "systemctl", "ufw");
        ScriptHarness.Run d = debian.run(LoadBalancerScripts.install(CONFIG, LB1));
        assertEquals(0, d.exitCode(), d.stderr());
        assertTrue(d.called("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends haproxy keepalived curl"), d.calls().toString());
        ScriptHarness rhel = new ScriptHarness(ScriptHarness.ROCKY)
                .stub("rpm", "exit 1").stub("getenforce", "echo Enforcing").stub("getsebool", "echo 'haproxy_connect_any --> off'")
                .stubs("dnf", "setsebool", "systemctl");
        ScriptHarness.Run r = rhel.run(LoadBalancerScripts.install(CONFIG, LB1));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.called("dnf install -y -q haproxy keepalived curl"), r.calls().toString());
        assertTrue(r.called("setsebool -P haproxy_connect_any 1"), r.calls().toString());
        assertTrue(r.called("setsebool -P keepalived_connect_any 1"), "Keepalived's fallback check reaches HAProxy: " + r.calls());
        ScriptHarness installed = new ScriptHarness(ScriptHarness.UBUNTU)
                .stub("dpkg-query", "echo 'install ok installed'").stubs("apt-get", "systemctl");
        ScriptHarness.Run again = installed.run(LoadBalancerScripts.install(CONFIG, LB1));
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.called("apt-get"), "second run installs nothing: " + again.calls());
    }
}
