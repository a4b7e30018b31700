package dev.kubeha.scripts;

import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The read step after init ({@code <first>-kubeconfig}): prints the CA hash joins need, as kubeadm defines it
 * (sha256 of the CA certificate's DER SubjectPublicKeyInfo), and kubeha's own admin kubeconfig, made once and valid until
 * the CA expires; its text never changes.
 */
@Execution(ExecutionMode.CONCURRENT)
class KubeconfigScriptTest {
    /** A kubeconfig as kubeadm kubeconfig user prints it (the stand-in's output), with the CN it was asked for. */
    static final String USER_KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: kubeha-admin\n  user:\n"
            + "    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n";

    /**
     * The first control-plane node after kubeadm init: a real CA made with openssl ({@code caDays} long), admin.conf,
     * kubectl answering the kubeadm-config ConfigMap, and kubeadm's {@code kubeconfig user} stood in for.
     */
    static ScriptHarness initialisedNode(int caDays) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to make a CA certificate");
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        Path pki = Files.createDirectories(h.root().resolve("etc/kubernetes/pki"));
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                Integer.toString(caDays), "-subj", "/CN=kubernetes", "-keyout", pki.resolve("ca.key").toString(),
                "-out", pki.resolve("ca.crt").toString())
                .redirectErrorStream(true).redirectOutput(h.dir().resolve("openssl.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, Files.readString(h.dir().resolve("openssl.log")));
        Files.writeString(h.root().resolve("etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n");
        return h.stub("kubectl", "echo 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nclusterName: kubeha'")
                .stub("kubeadm", "[ \"$1 $2\" = 'kubeconfig user' ] || exit 1\n"
                        + "[ -f \"$(for a; do case \"$prev\" in --config) echo \"$a\";; esac; prev=\"$a\"; done)\" ] || exit 2\n"
                        + "printf '%s' " + ScriptHarness.shellQuote(USER_KUBECONFIG));
    }

    @Test
    void printsTheCaHashOfARealCertificateAndKubehasOwnAdminKubeconfig() throws Exception {
        ScriptHarness h = initialisedNode(3650);
        try {
            Path pki = h.root().resolve("etc/kubernetes/pki");
            ScriptHarness.Run run = h.run(NodeScripts.kubeconfig());
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("sha256:" + spkiSha256(pki.resolve("ca.crt")), NodeScripts.parseCaCertHash(run.stdout()));
            assertEquals(USER_KUBECONFIG, NodeScripts.parseKubeconfig(run.stdout()), "kubeha's own credential, not admin.conf");

            String made = run.calls().stream().filter(c -> c.startsWith("kubeadm kubeconfig user")).findFirst().orElseThrow();
            assertTrue(made.contains("--client-name kubeha-admin --org kubeadm:cluster-admins --validity-period "), made);
            // Until one day before the CA ends: 3650 days from now less one, in hours (a few seconds may have passed).
            long hours = Long.parseLong(made.replaceAll(".*--validity-period (\\d+)h.*", "$1"));
            assertTrue(hours <= 3649L * 24 && hours >= 3649L * 24 - 1, made);
            Path own = h.root().resolve("etc/kubernetes/kubeha-admin.conf");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));

            ScriptHarness.Run again = h.run(NodeScripts.kubeconfig());
            assertEquals(0, again.exitCode(), again.stderr());
            assertEquals(run.stdout(), again.stdout(), "the same credential");
            assertFalse(again.called("kubeadm"), "made once: " + again.calls());

            Files.delete(h.root().resolve("etc/kubernetes/admin.conf"));
            ScriptHarness.Run before = h.run(NodeScripts.kubeconfig());
            assertNotEquals(0, before.exitCode());
            assertTrue(before.stderr().contains("admin.conf does not exist: kubeadm init has not run here"), before.stderr());
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    @Test
    void aCaThatEndsWithinTwoDaysIsNamedAndNoCredentialIsMade() throws Exception {
        ScriptHarness h = initialisedNode(1);
        try {
            ScriptHarness.Run run = h.run(NodeScripts.kubeconfig());
            assertNotEquals(0, run.exitCode());
            assertTrue(run.stderr().contains("no credential can outlive it"), run.stderr());
            assertFalse(run.called("kubeadm"));
            assertFalse(Files.exists(h.root().resolve("etc/kubernetes/kubeha-admin.conf")));
        } finally {
            TempDirs.delete(h.dir());
        }
    }

    @Test
    void itsTextUsesNothingThatChangesWithTheConfigOrTheOtherScripts() {
        String script = NodeScripts.kubeconfig();
        assertFalse(script.contains("# ---- lib/os.sh ----"), "a change of lib/os.sh would update the step: its output unknown in a preview");
        ShellcheckTest.assertRenderedScriptClean("kubeconfig.sh", script);
    }

    private static String spkiSha256(Path cert) throws IOException, java.security.GeneralSecurityException {
        try (InputStream in = Files.newInputStream(cert)) {
            X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(x.getPublicKey().getEncoded()));
        }
    }

}
