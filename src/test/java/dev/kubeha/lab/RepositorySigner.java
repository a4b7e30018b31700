package dev.kubeha.lab;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A signing key made by the test (gpg on the host, in a keyring of the lab's own) that signs the lab's apt
 * repositories as Debian's and pkgs.k8s.io's are signed: an {@code InRelease} clear-signed {@code Release}.
 * {@link #close()} stops the gpg-agent the keyring started.
 */
final class RepositorySigner implements AutoCloseable {
    private final Path home;

    RepositorySigner(Path labDir) {
        home = labDir.resolve("gnupg");
        HostShell.run("mkdir -p -m 700 " + home + " && gpg --homedir " + home + " --batch --passphrase '' --quick-gen-key"
                + " 'kubeha machine lab (stand-in repositories) <lab@kubeha.invalid>' ed25519 sign 1d", 60);
    }

    /** The public key, ASCII-armoured (what pkgs.k8s.io serves as Release.key). */
    String armoredPublicKey() {
        return HostShell.run("gpg --homedir " + home + " --batch --armor --export");
    }

    /** Writes {@code dir/keyring.gpg}: the public key in apt's binary keyring form, for signed-by. */
    Path binaryKeyring(Path dir) {
        Path out = dir.resolve("kubeha-lab-keyring.gpg");
        HostShell.run("gpg --homedir " + home + " --batch --yes --export -o " + out);
        return out;
    }

    /** Signs {@code dir/Release}: InRelease and Release.gpg. */
    void sign(Path dir) {
        if (!Files.isRegularFile(dir.resolve("Release"))) {
            throw new IllegalStateException("no Release in " + dir);
        }
        HostShell.run("cd " + dir + " && gpg --homedir " + home + " --batch --yes --clearsign -o InRelease Release"
                + " && gpg --homedir " + home + " --batch --yes -abs -o Release.gpg Release");
    }

    @Override
    public void close() {
        HostShell.sh("gpgconf --homedir " + home + " --kill all", 20);
    }
}
