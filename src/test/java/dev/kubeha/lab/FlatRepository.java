package dev.kubeha.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A flat apt repository ({@code deb URL /}, the layout pkgs.k8s.io uses): the .deb files of a directory indexed by
 * {@code dpkg-scanpackages}, and a {@code Release} with the index's checksums, signed.
 */
final class FlatRepository {
    private FlatRepository() {
    }

    static void index(Path dir, String label, RepositorySigner signer) {
        HostShell.run("cd " + dir + " && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null"
                + " && gzip -9kf Packages", 300);
        StringBuilder release = new StringBuilder("Origin: kubeha-lab\nLabel: " + label + "\n"
                + "Architectures: amd64 all\nDate: " + HostShell.run("LC_ALL=C date -Ru").trim() + "\nSHA256:\n");
        for (String f : new String[] {"Packages", "Packages.gz"}) {
            try {
                byte[] bytes = Files.readAllBytes(dir.resolve(f));
                release.append(" ").append(sha256(bytes)).append(" ").append(bytes.length).append(" ").append(f).append("\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.writeString(dir.resolve("Release"), release.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        signer.sign(dir);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
