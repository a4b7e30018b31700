package dev.kubeha.cli;

import dev.kubeha.Main;
import dev.kubeha.config.RawConfig;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** What validate accepts, the program's config stage accepts; where validate cannot see a value it says so. */
class ValidateMeansTheProgramRunsTest {
    Path project;

    @BeforeEach
    void project() throws IOException {
        project = Files.createTempDirectory("kubeha-validate-");
    }

    @AfterEach
    void removeProject() throws IOException {
        try (Stream<Path> all = Files.walk(project)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setReadable(true);
                Files.delete(p);
            }
        }
    }

    CliTest.Result validate(String stackFile, String extraConfig) throws IOException {
        Files.writeString(project.resolve("Pulumi.t.yaml"), Files.readString(Path.of(stackFile)) + extraConfig);
        return CliTest.cli("validate", "--stack", "t", "--project-dir", project.toString());
    }

    @Test
    void aKeyFileThatIsMissingADirectoryOrEmptyIsRefusedByValidate() throws IOException {
        // The example stack names ~/.ssh/id_ed25519; giving the key a second value would be a duplicate: drop it.
        String example = Files.readString(Path.of("Pulumi.existing.yaml")).replaceAll("(?m)^  kubeha:sshPrivateKeyPath: .*\n", "");
        Files.writeString(project.resolve("example.yaml"), example);
        CliTest.Result missing = validate(project.resolve("example.yaml").toString(), "  kubeha:sshPrivateKeyPath: keys/nope\n");
        assertEquals(1, missing.exit(), missing.err());
        assertTrue(missing.err().contains("kubeha:sshPrivateKeyPath: cannot read " + project.resolve("keys/nope")
                + ": it does not exist"), "a relative path is taken from the project directory:\n" + missing.err());
        Files.createDirectories(project.resolve("keys"));
        CliTest.Result directory = validate(project.resolve("example.yaml").toString(), "  kubeha:sshPrivateKeyPath: keys\n");
        assertEquals(1, directory.exit());
        assertTrue(directory.err().contains(": it is a directory; give the key file in it"), directory.err());
        Files.writeString(project.resolve("keys/empty"), "");
        CliTest.Result empty = validate(project.resolve("example.yaml").toString(), "  kubeha:sshPrivateKeyPath: keys/empty\n");
        assertTrue(empty.err().contains("keys/empty is empty"), empty.err());
        Files.writeString(project.resolve("keys/id"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        CliTest.Result good = validate(project.resolve("example.yaml").toString(), "  kubeha:sshPrivateKeyPath: keys/id\n");
        assertEquals(0, good.exit(), good.err());
    }

    @Test
    void anUnreadableKeyFileIsRefusedByValidateAndByTheProgramAlike() throws IOException {
        Path key = project.resolve("id");
        Files.writeString(key, "KEY");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(key), "running as root: every file is readable, so this cannot be shown here");
        String example = Files.readString(Path.of("Pulumi.existing.yaml")).replaceAll("(?m)^  kubeha:sshPrivateKeyPath: .*\n", "");
        Files.writeString(project.resolve("example.yaml"), example);
        CliTest.Result r = validate(project.resolve("example.yaml").toString(), "  kubeha:sshPrivateKeyPath: " + key + "\n");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("kubeha:sshPrivateKeyPath: cannot read " + key + " (AccessDeniedException)"), r.err());
        ProgramRun run = ProgramRun.of(Stacks.raw("existing", Map.of("sshPrivateKeyPath", key.toString())), Main::stack);
        assertTrue(String.join("\n", run.result.errors()).contains("cannot read " + key + " (AccessDeniedException)"));
    }

    @Test
    void anEncryptedVrrpPasswordIsSaidToBeUncheckedAndThePlanRuns() throws IOException {
        String vrrp2 = """
                  kubeha:keepalivedVrrpVersion: 2
                  kubeha:keepalivedAdvertIntervalMs: 1000
                  kubeha:keepalivedAuthPassword:
                    secure: v1:2G3Ae4gSkpmbBtNv:Sj8tRZbwbE9HTBcFoTE1Hu0vA1rPLqKo0Q==
                """;
        CliTest.Result v = validate("Pulumi.vagrant.yaml", vrrp2);
        assertEquals(0, v.exit(), v.err());
        assertTrue(v.err().contains("not checked offline: kubeha:keepalivedAuthPassword: encrypted in the stack file,"
                + " so its length (at most 8)"), v.err());
        CliTest.Result plan = CliTest.cli("plan", "--stack", "t", "--project-dir", project.toString());
        assertEquals(0, plan.exit(), plan.err() + plan.out());
        assertTrue(plan.out().contains("Critical path"), plan.out());
        assertFalse(plan.out().contains("planpass"), "the placeholder is masked like any secret");
        RawConfig raw = RawConfig.fromStackFile(project.resolve("Pulumi.t.yaml"));
        assertTrue(raw.isUnknown("keepalivedAuthPassword"));
    }
}
