package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.kubeadm.NodeScripts;
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
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code <node>-certificates} on a control-plane node whose certificates are real ones, made here with openssl and
 * signed by a CA made here: one that expires in 10 days is renewed and the node's control-plane pods restart one at a
 * time; certificates that last 300 more days are left alone. The stand-ins: kubeadm (its {@code certs renew all}
 * re-signs the same files for 365 days with the same CA, as kubeadm's renewal does, and prints kubeadm's closing
 * line from cmd/kubeadm/app/cmd/certs.go) and crictl (a static pod's container runs while its manifest is in the
 * manifest directory, as the kubelet makes it).
 */
@Execution(ExecutionMode.CONCURRENT)
class CertificatesScriptTest {
    static final Node MASTER2 = Stacks.vagrant().controlPlane().get(1);
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);
    static final List<String> PODS = List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler");

    ScriptHarness h;
    Path k8s;

    @BeforeEach
    void controlPlaneNode() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to make the certificates");
        h = new ScriptHarness(ScriptHarness.UBUNTU);
        k8s = Files.createDirectories(h.root().resolve("etc/kubernetes"));
        Files.createDirectories(k8s.resolve("pki/etcd"));
        Files.createDirectories(k8s.resolve("manifests"));
        for (String pod : PODS) {
            Files.writeString(k8s.resolve("manifests/" + pod + ".yaml"), "kind: Pod # " + pod + "\n");
        }
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
                "-subj", "/CN=kubernetes", "-keyout", pki("ca.key"), "-out", pki("ca.crt"));
        String pki = k8s.resolve("pki").toString();
        h.stub("kubeadm", "[ \"$*\" = 'certs renew all' ] || exit 0\n"
                + "renewed() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=renewed "
                + "-CA " + pki + "/ca.crt -CAkey " + pki + "/ca.key -days 365 -keyout /dev/null 2>/dev/null; }\n"
                + "for f in " + pki + "/apiserver.crt " + pki + "/etcd/server.crt; do renewed >\"$f.new\" && mv \"$f.new\" \"$f\"; done\n"
                + "c=" + k8s.resolve("admin.conf") + "\n"
                + "data=\"$(renewed | base64 -w0)\"\n"
                + "sed -i \"s|client-certificate-data: .*|client-certificate-data: $data|\" \"$c\"\n"
                + "echo 'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed'\n"
                + "echo 'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
                + "kube-scheduler and etcd, so that they can use the new certificates.'")
                .stub("crictl", "name=''; while [ $# -gt 0 ]; do [ \"$1\" = --name ] && name=\"$2\"; shift; done\n"
                        + "name=\"${name#^}\"; name=\"${name%$}\"\n"
                        + "[ -f " + k8s.resolve("manifests") + "/\"$name\".yaml ] && echo \"c0ffee-$name\"; exit 0")
                .stub("curl", "case \"$*\" in *readyz*) echo ok;; esac")
                .stubs("sleep");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (h != null) {
            TempDirs.delete(h.dir());
        }
    }

    /** The node's certificates: apiserver and etcd server files and admin.conf's client certificate. */
    void certificatesExpiringIn(int apiserverDays, int etcdDays, int adminDays) throws Exception {
        issue("apiserver", apiserverDays, pki("apiserver.crt"));
        issue("kube-etcd", etcdDays, pki("etcd/server.crt"));
        Path admin = h.dir().resolve("admin.crt");
        issue("kubernetes-admin", adminDays, admin.toString());
        Files.writeString(k8s.resolve("admin.conf"), "apiVersion: v1\nkind: Config\nusers:\n- name: kubernetes-admin\n"
                + "  user:\n    client-certificate-data: " + Base64.getEncoder().encodeToString(Files.readAllBytes(admin))
                + "\n    client-key-data: a2V5\n");
    }

    ScriptHarness.Run check(int renewDays) {
        ClusterConfig config = Stacks.config("vagrant", Map.of("certificateRenewalDays", Integer.toString(renewDays)));
        return h.run(NodeScripts.certificates(config, MASTER2, DAY));
    }

    @Test
    void certificatesThatLast300MoreDaysAreLeftAlone() throws Exception {
        certificatesExpiringIn(300, 300, 300);
        ScriptHarness.Run run = check(30);
        assertEquals(0, run.exitCode(), run.stderr());
        assertFalse(run.called("kubeadm"), "nothing renewed: " + run.calls());
        assertTrue(run.stderr().contains("the certificates of k8s-master2 are valid for more than 30 days"), run.stderr());
        assertTrue(run.stderr().contains("checked 2026-12-07"), run.stderr());
        assertEquals("", run.stdout(), "prints nothing on stdout");
    }

    @Test
    void aCertificateThatExpiresIn10DaysRenewsAllAndRestartsThePodsOneAtATime() throws Exception {
        certificatesExpiringIn(300, 300, 10);
        UpgradeScriptsTest.withLoadBalancers(h, "303 http://192.168.56.5:8404/stats;st=DONE");
        ScriptHarness.Run run = check(30);
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("expiring within 30 days: admin.conf"), run.stderr());
        assertTrue(run.called("kubeadm certs renew all"), run.calls().toString());
        assertValidFor(pki("apiserver.crt"), 360);
        assertValidFor(pki("etcd/server.crt"), 360);
        // Drained on both load balancers before etcd (the API server's only etcd) and the API server restart, back in
        // their rotation once it is ready, before the others go.
        assertInOrder(run.stderr(), "k8s-master2: drain on load balancer 192.168.56.5",
                "k8s-master2: drain on load balancer 192.168.56.6", "etcd restarted on k8s-master2",
                "kube-apiserver restarted on k8s-master2", "k8s-master2: ready on load balancer 192.168.56.6",
                "kube-controller-manager restarted", "kube-scheduler restarted", "certificates of k8s-master2 renewed");
        for (String pod : PODS) {
            assertTrue(Files.exists(k8s.resolve("manifests/" + pod + ".yaml")), pod + " is back in the manifests");
        }
        assertFalse(Files.exists(k8s.resolve("kubeha-parked-manifests")));

        ScriptHarness.Run again = check(30);
        assertEquals(0, again.exitCode(), again.stderr());
        assertFalse(again.called("kubeadm"), "a second run renews nothing: " + again.calls());
    }

    @Test
    void theThresholdIsTheConfiguredOne() throws Exception {
        certificatesExpiringIn(300, 100, 300);
        assertFalse(check(30).called("kubeadm"));
        ScriptHarness.Run run = check(120);
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("expiring within 120 days: pki/etcd/server.crt"), run.stderr());
        assertTrue(run.called("kubeadm certs renew all"));
    }

    @Test
    void aManifestAnUnfinishedRunLeftOutIsPutBackFirst() throws Exception {
        certificatesExpiringIn(300, 300, 300);
        Files.createDirectories(k8s.resolve("kubeha-parked-manifests"));
        Files.move(k8s.resolve("manifests/kube-apiserver.yaml"), k8s.resolve("kubeha-parked-manifests/kube-apiserver.yaml"));
        ScriptHarness.Run run = check(30);
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(Files.exists(k8s.resolve("manifests/kube-apiserver.yaml")), run.stderr());
        assertTrue(run.stderr().contains("putting back kube-apiserver.yaml"), run.stderr());
    }

    @Test
    void aPodTheKubeletDoesNotStopFailsTheStepWithItsManifestInPlace() throws Exception {
        certificatesExpiringIn(10, 300, 300);
        h.stub("crictl", "echo c0ffee");
        ScriptHarness.Run run = check(30);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("the kubelet did not stop etcd on k8s-master2"), run.stderr());
        assertTrue(Files.exists(k8s.resolve("manifests/etcd.yaml")), "etcd's manifest is back");
    }

    /**
     * containerd that does not answer (crictl fails) is no proof that the kubelet stopped a pod: the manifest goes
     * back and the step fails saying the pod was not seen to stop, instead of taking the failure for "stopped" and
     * putting the manifest back at once. crictl is asked with containerd's socket named (lib/os.sh
     * crictl_containerd), not through crictl's deprecated fallback over several sockets.
     */
    @Test
    void aContainerRuntimeThatDoesNotAnswerIsNotAStoppedPod() throws Exception {
        certificatesExpiringIn(10, 300, 300);
        UpgradeScriptsTest.withLoadBalancers(h, "303 http://192.168.56.5:8404/stats;st=DONE");
        h.stub("crictl", "echo 'failed to connect: connection refused' >&2; exit 1");
        ScriptHarness.Run run = check(30);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("the kubelet did not stop etcd on k8s-master2"), run.stderr());
        assertFalse(run.stderr().contains("did not start again"), run.stderr());
        assertTrue(Files.exists(k8s.resolve("manifests/etcd.yaml")), "etcd's manifest is back");
        assertTrue(run.called("crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps"), run.calls().toString());
    }

    @Test
    void aRenewalThatLeavesACertificateExpiringFailsAndRestartsNothing() throws Exception {
        certificatesExpiringIn(10, 300, 300);
        h.stub("kubeadm", "exit 0");
        ScriptHarness.Run run = check(30);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("left certificates that expire within 30 days on k8s-master2: pki/apiserver.crt"),
                run.stderr());
        assertFalse(run.stderr().contains("restarted"), run.stderr());
    }

    @Test
    void aRunThatRenewedButStoppedBeforeEveryPodRestartedRestartsThemNextTime() throws Exception {
        certificatesExpiringIn(10, 300, 300);
        h.stub("curl", "exit 7");  // the API server does not come back in time
        ScriptHarness.Run stopped = check(30);
        assertNotEquals(0, stopped.exitCode());
        assertTrue(stopped.stderr().contains("the API server of k8s-master2 is not ready 5 minutes after"), stopped.stderr());
        assertFalse(stopped.stderr().contains("kube-scheduler restarted"), stopped.stderr());

        h.stub("curl", "case \"$*\" in *readyz*) echo ok;; esac");
        ScriptHarness.Run next = check(30);
        assertEquals(0, next.exitCode(), next.stderr());
        assertFalse(next.called("kubeadm"), "the certificates are valid now: not renewed again");
        assertTrue(next.stderr().contains("did not restart every pod: restarting them"), next.stderr());
        assertInOrder(next.stderr(), "etcd restarted", "kube-apiserver restarted", "kube-scheduler restarted");

        ScriptHarness.Run after = check(30);
        assertTrue(after.stderr().contains("valid for more than 30 days"), "done: " + after.stderr());
    }

    @Test
    void aNodeWithoutAClusterCaIsNotAControlPlaneNode() throws Exception {
        Files.delete(k8s.resolve("pki/ca.crt"));
        ScriptHarness.Run run = check(30);
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("k8s-master2 is not a control-plane node of a kubeadm cluster"), run.stderr());
    }

    @Test
    void theRenderedScriptIsShellcheckClean() {
        ShellcheckTest.assertRenderedScriptClean("certificates.sh",
                NodeScripts.certificates(Stacks.vagrant(), MASTER2, DAY));
    }

    private String pki(String file) {
        return k8s.resolve("pki/" + file).toString();
    }

    private void issue(String commonName, int days, String out) throws Exception {
        Path key = h.dir().resolve(commonName + ".key");
        Path csr = h.dir().resolve(commonName + ".csr");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=" + commonName, "-keyout", key.toString(), "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", pki("ca.crt"), "-CAkey", pki("ca.key"),
                "-days", Integer.toString(days), "-out", out);
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = h.dir().resolve("openssl.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, Files.readString(log));
    }

    private void assertValidFor(String cert, int days) throws Exception {
        Path log = h.dir().resolve("checkend.log");
        Process p = new ProcessBuilder("openssl", "x509", "-noout", "-checkend", Integer.toString(days * 86400),
                "-in", cert).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, cert + " is valid for " + days + " more days");
    }

    private static void assertInOrder(String text, String... parts) {
        int at = -1;
        for (String part : parts) {
            int next = text.indexOf(part, at + 1);
            assertTrue(next > at, "'" + part + "' after the previous step in:\n" + text);
            at = next;
        }
    }
}
