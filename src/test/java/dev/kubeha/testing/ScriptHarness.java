package dev.kubeha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a rendered node script with bash against stubbed system commands. Every stub appends
 * {@code name args...} to a call log, then runs the bash body given for it (default: succeed silently).
 * The script's files land under a temporary KUBEHA_ROOT, with a fake /etc/os-release. Nothing reaches the
 * network: {@code curl} is stubbed to fail as if nothing answered, unless a test stubs it otherwise; nor the
 * host's firewall: {@code iptables} and {@code ipvsadm} are stubbed to succeed.
 */
public final class ScriptHarness {
    /** What one run did. */
    public record Run(int exitCode, String stdout, String stderr, List<String> calls) {
        public boolean called(String prefix) {
            return calls.stream().anyMatch(c -> c.startsWith(prefix));
        }
    }

    private final Path dir;
    private final Path root;
    private final Path bin;
    private final Path log;
    private List<String> launcher = List.of();

    public ScriptHarness(String osRelease) {
        try {
            dir = Files.createTempDirectory("kubeha-script-");
            root = Files.createDirectories(dir.resolve("root"));
            bin = Files.createDirectories(dir.resolve("bin"));
            log = dir.resolve("calls.log");
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/os-release"), osRelease);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stub("curl", "case \"$*\" in *http_code*) printf 000;; esac; exit 7");
        stubs("iptables", "ipvsadm");
    }

    public static final String UBUNTU = "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n";
    public static final String ROCKY = "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n";

    /** Stubs {@code name}: logs the call, then runs {@code body} (bash; "$@" are the arguments). */
    public ScriptHarness stub(String name, String body) {
        String script = "#!/usr/bin/env bash\nprintf '%s\\n' \"" + name + " $*\" >>" + shellQuote(log.toString()) + "\n"
                + body + "\n";
        try {
            Path file = bin.resolve(name);
            Files.writeString(file, script);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Stubs every name to succeed silently. */
    public ScriptHarness stubs(String... names) {
        for (String n : names) {
            stub(n, "exit 0");
        }
        return this;
    }

    /** Removes a stub, so that the real command (on the PATH the run is given) runs. */
    public ScriptHarness unstub(String name) {
        try {
            Files.deleteIfExists(bin.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Runs the scripts inside a network namespace (whose packet filter and interfaces are the test's own). */
    public ScriptHarness inNamespace(Netns ns) {
        launcher = List.of("ip", "netns", "exec", ns.name());
        return this;
    }

    /** The stubs' directory, for a test that gives a run its own PATH. */
    public Path bin() {
        return bin;
    }

    public Path root() {
        return root;
    }

    public Path dir() {
        return dir;
    }

    public Run run(String script) {
        return run(script, Map.of());
    }

    public Run run(String script, Map<String, String> env) {
        try {
            Files.deleteIfExists(log);
            Path file = dir.resolve("script.sh");
            Files.writeString(file, script);
            List<String> argv = new ArrayList<>(launcher);
            argv.addAll(List.of("bash", file.toString()));
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().put("PATH", bin + ":/usr/bin:/bin");
            pb.environment().put("KUBEHA_ROOT", root.toString());
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectOutput(dir.resolve("stdout").toFile());
            pb.redirectError(dir.resolve("stderr").toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("script did not finish in 60 s");
            }
            List<String> calls = Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
            return new Run(p.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                    Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8), calls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** What a package repository's Release.key looks like (an ASCII-armored OpenPGP public key block). */
    public static final String SIGNING_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBGMHoXcBCADukGOEQyleViOgtkMVa7hKifP6POCTh+98xNW4TfHK/nBJN2sm\n=y6Ls\n"
            + "-----END PGP PUBLIC KEY BLOCK-----";

    public static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
