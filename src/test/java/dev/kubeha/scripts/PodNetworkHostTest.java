package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kubeha.scripts.NodeScriptsTest.CONFIG;
import static dev.kubeha.scripts.NodeScriptsTest.MASTER1;
import static dev.kubeha.scripts.NodeScriptsTest.WORKER1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a node's host needs for the pod network beyond open ports: forwarded pod traffic through firewalld and ufw,
 * NetworkManager leaving Calico's interfaces alone, and all of it undone when the node leaves, nothing else.
 */
@Execution(ExecutionMode.CONCURRENT)
class PodNetworkHostTest {
    static final ClusterConfig CALICO = Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31.4", "cni", "calico"));
    static final String PODS = CONFIG.podSubnet();

    @Test
    void onFirewalldThePodNetworkBecomesTrustedOnceAndLeavingRemovesOnlyThat() throws IOException {
        ScriptHarness h = rockyNode();
        // The operator's own trusted source, there before kubeha.
        Files.writeString(source(h, "192.168.100.0/24"), "trusted\n");

        ScriptHarness.Run first = h.run(NodeScripts.prepare(CONFIG, WORKER1));
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.called("firewall-cmd --permanent --zone=trusted --add-source=" + PODS), first.calls().toString());
        assertTrue(first.called("firewall-cmd --reload"), first.calls().toString());
        assertEquals("trusted", Files.readString(source(h, PODS)).strip());
        NodeScriptsTest.assertNothingChanged(h.run(NodeScripts.prepare(CONFIG, WORKER1)));

        ScriptHarness.Run reset = h.run(NodeScripts.reset(CONFIG, WORKER1));
        assertEquals(0, reset.exitCode(), reset.stderr());
        assertTrue(reset.called("firewall-cmd --permanent --zone=trusted --remove-source=" + PODS), reset.calls().toString());
        assertFalse(Files.exists(source(h, PODS)), "the pod network is no longer trusted");
        assertTrue(Files.exists(source(h, "192.168.100.0/24")), "the operator's trusted source stays");
        assertFalse(reset.calls().stream().anyMatch(c -> c.contains("--remove-source=192.168.100.0/24")), reset.calls().toString());
        assertFalse(Files.exists(h.root().resolve("var/lib/kubeha/host-changes")), "nothing left to undo");
        assertEquals(0, h.run(NodeScripts.reset(CONFIG, WORKER1)).exitCode(), "a second reset has nothing to do");
    }

    @Test
    void aPodNetworkTheOperatorPutInAnotherFirewalldZoneStaysThere() throws IOException {
        ScriptHarness h = rockyNode();
        Files.writeString(source(h, PODS), "internal\n");
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CONFIG, WORKER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.called("firewall-cmd --permanent --zone=trusted --add-source"), run.calls().toString());
        assertTrue(run.stderr().contains("the pod network " + PODS + " is in the zone 'internal' (not kubeha's): left there"), run.stderr());

        ScriptHarness.Run reset = h.run(NodeScripts.reset(CONFIG, WORKER1));
        assertEquals(0, reset.exitCode(), reset.stderr());
        assertFalse(reset.called("firewall-cmd --permanent --zone=trusted --remove-source"), reset.calls().toString());
        assertEquals("internal", Files.readString(source(h, PODS)).strip());
    }

    @Test
    void withoutFirewallTrueNoFirewallIsTouched() {
        ScriptHarness h = rockyNode();
        ScriptHarness.Run run = h.run(NodeScripts.prepare(Stacks.config("vagrant", Map.of("kubernetesVersion", "1.31.4")), WORKER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.called("firewall-cmd --permanent"), run.calls().toString());
    }

    @Test
    void onUfwThePodNetworkIsRoutedBothWaysOnceAndLeavingDeletesOnlyThoseRules() throws IOException {
        ScriptHarness h = NodeScriptsTest.freshUfwNode();
        ScriptHarness.Run first = h.run(NodeScripts.prepare(CONFIG, MASTER1));
        assertEquals(0, first.exitCode(), first.stderr());
        List<String> routes = first.calls().stream().filter(c -> c.startsWith("ufw route")).toList();
        assertEquals(List.of("ufw route allow from " + PODS, "ufw route allow to " + PODS), routes);
        UfwRules.assertUfwAccepts(routes);
        NodeScriptsTest.assertNothingChanged(h.run(NodeScripts.prepare(CONFIG, MASTER1)));

        ScriptHarness.Run reset = h.run(NodeScripts.reset(CONFIG, MASTER1));
        assertEquals(0, reset.exitCode(), reset.stderr());
        List<String> deletes = reset.calls().stream().filter(c -> c.startsWith("ufw route")).toList();
        assertEquals(List.of("ufw route delete allow from " + PODS, "ufw route delete allow to " + PODS), deletes);
        UfwRules.assertUfwAccepts(deletes);
        String rules = Files.readString(h.dir().resolve("state.ufw"));
        assertFalse(rules.contains("FWD"), rules);
        assertTrue(rules.contains("6443/tcp") && rules.contains("2379:2380/tcp"), "the opened ports stay (the node may join again): " + rules);
    }

    @Test
    void withCalicoNetworkManagerLeavesCalicosInterfacesAloneUntilTheNodeLeaves() throws IOException {
        ScriptHarness h = rockyNode();
        Files.createDirectories(h.root().resolve("etc/NetworkManager/conf.d"));
        Files.writeString(h.dir().resolve("state.active-NetworkManager"), "");
        Path conf = h.root().resolve("etc/NetworkManager/conf.d/calico.conf");

        ScriptHarness.Run first = h.run(NodeScripts.prepare(CALICO, WORKER1));
        assertEquals(0, first.exitCode(), first.stderr());
        // The list of Calico's troubleshooting guide (tigera/docs calico/operations/troubleshoot/troubleshooting.mdx).
        assertTrue(Files.readString(conf).contains("[keyfile]\nunmanaged-devices=interface-name:cali*;interface-name:tunl*;"
                + "interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali\n"),
                Files.readString(conf));
        assertTrue(first.called("systemctl reload NetworkManager"), first.calls().toString());
        ScriptHarness.Run second = h.run(NodeScripts.prepare(CALICO, WORKER1));
        assertFalse(second.called("systemctl reload NetworkManager"), second.calls().toString());

        ScriptHarness.Run reset = h.run(NodeScripts.reset(CALICO, WORKER1));
        assertEquals(0, reset.exitCode(), reset.stderr());
        assertFalse(Files.exists(conf), "kubeha's file goes when the node leaves");
        assertTrue(reset.called("systemctl reload NetworkManager"), reset.calls().toString());
    }

    @Test
    void theOperatorsCalicoConfStaysAndNoNetworkManagerMeansNoFile() throws IOException {
        ScriptHarness h = rockyNode();
        Path conf = h.root().resolve("etc/NetworkManager/conf.d/calico.conf");
        Files.createDirectories(conf.getParent());
        String own = "[keyfile]\nunmanaged-devices=interface-name:cali*;interface-name:tunl*\n";
        Files.writeString(conf, own);
        ScriptHarness.Run run = h.run(NodeScripts.prepare(CALICO, WORKER1));
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("/etc/NetworkManager/conf.d/calico.conf is not kubeha's: left as it is"), run.stderr());
        assertEquals(0, h.run(NodeScripts.reset(CALICO, WORKER1)).exitCode());
        assertEquals(own, Files.readString(conf), "neither prepare nor reset touch the operator's file");

        ScriptHarness bare = NodeScriptsTest.freshNode(ScriptHarness.UBUNTU);
        assertEquals(0, bare.run(NodeScripts.prepare(CALICO, WORKER1)).exitCode());
        assertFalse(Files.exists(bare.root().resolve("etc/NetworkManager")), "no NetworkManager, no file");

        ScriptHarness flannel = rockyNode();
        Files.createDirectories(flannel.root().resolve("etc/NetworkManager/conf.d"));
        assertEquals(0, flannel.run(NodeScripts.prepare(CONFIG, WORKER1)).exitCode());
        assertFalse(Files.exists(flannel.root().resolve("etc/NetworkManager/conf.d/calico.conf")), "flannel: no Calico file");
    }

    /** A fresh Rocky node with firewalld active whose containerd repository is configured (not this test's subject). */
    private static ScriptHarness rockyNode() {
        ScriptHarness h = NodeScriptsTest.freshNode(ScriptHarness.ROCKY);
        try {
            Files.createDirectories(h.root().resolve("etc/yum.repos.d"));
            Files.writeString(h.root().resolve("etc/yum.repos.d/docker-ce.repo"), "[docker]\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return h;
    }

    /** The stub firewalld's record of the zone a source is bound to. */
    private static Path source(ScriptHarness h, String cidr) {
        return h.dir().resolve("state.src-" + cidr.replace('/', '_'));
    }
}
