package dev.kubeha.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Node preparation on a minimal Debian 12 machine (no curl, no gpg) with the Kubernetes packages from the lab's
 * signed stand-in repository, set through the stack's kubernetesDebRepository/kubernetesDebKey.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodePreparationLabTest {
    private static final String NODE = "cp1";
    private static MachineLab lab;
    private static StepRunner runner;
    private static Map<String, String> stack;

    @BeforeAll
    static void boot() {
        String reason = MachineLab.unavailableReason();
        assumeTrue(reason == null, reason);
        // The load balancers only answer SSH: every host of the stack gets its <node>-reachable wait.
        lab = new MachineLab(List.of(NODE, "lb1", "lb2"));
        runner = new StepRunner(lab.ssh, lab.dir, 900);
        Map<String, String> settings = new HashMap<>(lab.kubernetesPackages);
        settings.putAll(Map.of("loadBalancers", MachineLab.nodes("lb1", "lb2"), "controlPlaneNodes", MachineLab.nodes(NODE),
                "kubernetesVersion", "1.33.4"));
        stack = lab.stack(settings);
    }

    @AfterAll
    static void tearDown() {
        MachineLab.tearDown(lab, runner);
    }

    @Test
    @Order(1)
    void theMachineIsAMinimalDebian12() {
        Ssh.Result r = lab.root(NODE, ". /etc/os-release; echo $ID $VERSION_ID; command -v curl gpg || echo none");
        assertEquals("debian 12\nnone", r.stdout().trim());
    }

    @Test
    @Order(2)
    void preparationInstallsContainerdAndThePinnedKubernetesPackagesFromTheConfiguredRepository() {
        // As unattended-upgrades at first boot does: another apt holds dpkg's lock for a while.
        Ssh.Result lock = lab.root(NODE, "systemd-run --unit=kubeha-lab-apt-lock python3 -c 'import fcntl, time;"
                + " f = open(\"/var/lib/dpkg/lock-frontend\", \"w\"); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(8)'");
        assertTrue(lock.ok(), lock.toString());
        StepRunner.Run run = runner.up("lab", stack, LabPrograms::preparation);
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        Ssh.Result r = lab.root(NODE, "dpkg-query -W -f='${Package} ${Version}\\n' kubelet kubeadm kubectl; apt-mark showhold;"
                + " cat /etc/apt/sources.list.d/kubernetes.list; systemctl is-active containerd; systemctl is-enabled kubelet;"
                + " grep -c 'SystemdCgroup = true' /etc/containerd/config.toml; sysctl -n net.ipv4.ip_forward;"
                + " cat /etc/default/kubelet; swapon --show --noheadings | wc -l");
        assertEquals(String.join("\n",
                "kubeadm 1.33.4-1.1", "kubectl 1.33.4-1.1", "kubelet 1.33.4-1.1", "kubeadm", "kubectl", "kubelet",
                "deb [signed-by=/etc/apt/keyrings/kubernetes-1.33.asc] " + MachineLab.REPO_URL + "/kubernetes/v1.33/deb/ /",
                "active", "enabled", "1", "1", "KUBELET_EXTRA_ARGS=--node-ip=" + MachineLab.address(NODE), "0"), r.stdout().trim());
        assertTrue(lab.root(NODE, "head -1 /etc/apt/keyrings/kubernetes-1.33.asc").stdout().startsWith("-----BEGIN PGP PUBLIC KEY BLOCK"),
                "the signing key is kept armored for signed-by");
        String log = String.valueOf(runner.outputs(NODE + "-prepare").get("stderr"));
        assertTrue(log.contains("skipped loading kernel module br_netfilter: this node is a container")
                || lab.root(NODE, "test -e /proc/sys/net/bridge/bridge-nf-call-iptables").ok(), log);
    }

    @Test
    @Order(3)
    void aSecondRunChangesNothing() {
        String before = state();
        StepRunner.Run run = runner.rerun(NODE + "-prepare");
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        String log = String.valueOf(runner.outputs(NODE + "-prepare").get("stderr"));
        for (String change : List.of("wrote ", "installing ", "removing ", "restart")) {
            assertFalse(log.contains(change), "the second run logged '" + change + "':\n" + log);
        }
        assertEquals(before, state(), "no unit restarted, no package changed");
    }

    private String state() {
        return lab.root(NODE, "systemctl show -p MainPID -p ExecMainStartTimestampMonotonic containerd;"
                + " dpkg-query -W -f='${Package} ${Version}\\n' | md5sum; md5sum /etc/containerd/config.toml /etc/default/kubelet").stdout();
    }
}
