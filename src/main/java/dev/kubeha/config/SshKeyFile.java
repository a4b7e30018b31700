package dev.kubeha.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The private key at sshPrivateKeyPath, read while the config is checked, so that validate and the program refuse
 * the same files and the key is in hand before anything is created. A relative path is taken from the project
 * directory, where the Pulumi engine runs the program.
 */
final class SshKeyFile {
    /** The key's content, or why it cannot be used. */
    record Read(String key, String problem) {
    }

    private SshKeyFile() {
    }

    static Read read(Path projectDir, String configured) {
        Path file = configured.equals("~") || configured.startsWith("~/")
                ? Path.of(System.getProperty("user.home") + configured.substring(1))
                : projectDir.resolve(configured);
        if (Files.isDirectory(file)) {
            return new Read(null, "cannot read " + file + ": it is a directory; give the key file in it, such as " + file.resolve("id_ed25519"));
        }
        if (!Files.exists(file)) {
            return new Read(null, "cannot read " + file + ": it does not exist; give the path of a private key file");
        }
        try {
            String key = Files.readString(file);
            if (key.isBlank()) {
                return new Read(null, file + " is empty; give a private key file");
            }
            return new Read(key, null);
        } catch (IOException e) {
            return new Read(null, "cannot read " + file + " (" + e.getClass().getSimpleName() + "); give a readable private key file");
        }
    }
}
