package dev.kubeha.scripts;

import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ScriptHarness;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The read step after init ({@code <first>-kubeconfig}): prints the CA hash joins need, as kubeadm defines it
 * (sha256 of the CA certificate's DER SubjectPublicKeyInfo), and the admin kubeconfig; its text never changes.
 */
class KubeconfigScriptTest {
    @Test
    void printsTheCaHashOfARealCertificateAndTheAdminKubeconfig() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to make a CA certificate");
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU);
        try {
            Path pki = Files.createDirectories(h.root().resolve("etc/kubernetes/pki"));
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=kubernetes", "-keyout", pki.resolve("ca.key").toString(), "-out", pki.resolve("ca.crt").toString())
                    .redirectErrorStream(true).redirectOutput(h.dir().resolve("openssl.log").toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, Files.readString(h.dir().resolve("openssl.log")));
            Files.writeString(h.root().resolve("etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n");

            ScriptHarness.Run run = h.run(NodeScripts.kubeconfig());
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("sha256:" + spkiSha256(pki.resolve("ca.crt")), NodeScripts.parseCaCertHash(run.stdout()));
            assertEquals("apiVersion: v1\nkind: Config\n", NodeScripts.parseKubeconfig(run.stdout()));

            Files.delete(h.root().resolve("etc/kubernetes/admin.conf"));
            ScriptHarness.Run before = h.run(NodeScripts.kubeconfig());
            assertNotEquals(0, before.exitCode());
            assertTrue(before.stderr().contains("admin.conf does not exist: kubeadm init has not run here"), before.stderr());
        } finally {
            try (Stream<Path> files = Files.walk(h.dir())) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
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
