package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kubeadm certs renew NAME} renews nothing and still exits 0 in two cases (kubernetes/kubernetes
 * cmd/kubeadm/app/cmd/certs.go, renewCert): a certificate its renewal manager does not know ({@code MISSING! <long
 * name>}) and a CA whose key is not in the certificates directory ({@code Detected external etcd/ca, <long name> can't
 * be renewed}: renewal/manager.go RenewUsingLocalCA returns early when IsExternallyManaged). The daily renewal steps
 * stop then, naming what kubeadm said, rather than blaming the renewal threshold. kubeadm and openssl are stood in
 * for (openssl: the certificate is due before and after), on a control-plane node's
 * {@code <node>-etcd-client-certificate}, run as the provider runs it.
 */
class EtcdCertificateRenewalRefusedTest {
    static final ClusterConfig CONFIG = Stacks.config("vagrant",
            Map.of("etcdNodes", "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]"));
    static final Node MASTER1 = CONFIG.controlPlane().get(0);

    ScriptHarness h;

    @BeforeEach
    void controlPlaneNodeWithADueClientCertificate() throws IOException {
        h = new ScriptHarness(ScriptHarness.UBUNTU);
        Path pki = h.root().resolve("etc/kubernetes/pki");
        Files.createDirectories(pki.resolve("etcd"));
        Files.writeString(pki.resolve("apiserver-etcd-client.crt"), "stand-in\n");
        h.stub("openssl", "case \"$*\" in *-checkend*) exit 1;; *-enddate*) echo 'notAfter=Dec 17 00:00:00 2026 GMT';; esac");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (h != null) {
            TempDirs.delete(h.dir());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Detected external etcd/ca, certificate the apiserver uses to access etcd can't be renewed",
            "MISSING! certificate the apiserver uses to access etcd"})
    void aRenewalKubeadmRefusesStopsTheStepWithWhatKubeadmSaid(String said) {
        h.stub("kubeadm", "case \"$*\" in 'version -o short') echo v1.33.1;; 'certs renew'*) echo "
                + ScriptHarness.shellQuote(said) + ";; *) exit 1;; esac");
        String b64 = Base64.getEncoder().encodeToString("stand-in\n".getBytes());
        ScriptHarness.Run run = h.run(EtcdNodeScripts.clientCertificate(CONFIG, MASTER1,
                new EtcdNodeScripts.Credentials(b64, b64, b64, b64), LocalDate.of(2026, 12, 7)));
        assertNotEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("kubeadm did not renew apiserver-etcd-client on k8s-master1: '" + said + "'"),
                run.stderr());
        assertFalse(Files.exists(h.root().resolve("etc/kubernetes/pki/etcd/ca.key")), "the etcd CA key is gone again");
    }
}
