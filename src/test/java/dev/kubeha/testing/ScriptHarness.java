package dev.kubeha.testing;

import dev.kubeha.render.RemoteShell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a rendered node script the way kubeha's {@code command:remote:Command} steps run it on a node (through
 * {@link CommandProvider.Remote}: the fixed command line of {@link RemoteShell} run by the SSH server's shell,
 * {@code /bin/dash -c}, the script on stdin), against stubbed system commands. Every stub appends
 * {@code name args...} to a call log and its environment to an environment log, then runs the bash body given for
 * it (default: succeed silently).
 * The script's files land under a temporary KUBEHA_ROOT, with a fake /etc/os-release. Nothing reaches the
 * network: {@code curl} is stubbed to fail as if nothing answered, unless a test stubs it otherwise; nor the
 * host's firewall: {@code iptables} and {@code ipvsadm} are stubbed to succeed.
 */
public final class ScriptHarness {
    /** What one run did. */
    public record Run(int exitCode, String stdout, String stderr, List<String> calls, List<String> environments,
                      CommandProvider.Run provider) {
        public boolean called(String prefix) {
            return calls.stream().anyMatch(c -> c.startsWith(prefix));
        }
    }

    private final Path dir;
    private final Path root;
    private final Path bin;
    private final Path log;
    private final Path envLog;
    private List<String> launcher = List.of();

    public ScriptHarness(String osRelease) {
        try {
            dir = TempDirs.create("kubeha-script-");
            root = Files.createDirectories(dir.resolve("root"));
            bin = Files.createDirectories(dir.resolve("bin"));
            log = dir.resolve("calls.log");
            envLog = dir.resolve("envs.log");
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/os-release"), osRelease);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sudo();
        stub("curl", "case \"$*\" in *http_code*) printf 000;; esac; exit 7");
        stubs("iptables", "ipvsadm");
        guard("apt-get", "apt-mark", "dnf", "yum");
    }

    /**
     * Package managers that a test has not stubbed fail instead of running: the harness runs as root, and a script
     * that falls through to the real one would install or purge packages on the machine that runs the tests (it
     * happened once: a teardown purged this machine's haproxy and keepalived). Not logged, as a missing command is not.
     */
    private void guard(String... names) {
        for (String name : names) {
            try {
                Path file = bin.resolve(name);
                Files.writeString(file, "#!/bin/sh\necho \"ScriptHarness: " + name + " is not stubbed in this test; "
                        + "the real one would change the machine running the tests\" >&2\nexit 127\n");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static final String UBUNTU = "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n";
    public static final String ROCKY = "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n";

    /** Stubs {@code name}: logs the call, then runs {@code body} (bash; "$@" are the arguments). */
    public ScriptHarness stub(String name, String body) {
        String script = "#!/usr/bin/env bash\nprintf '%s\\n' \"" + name + " $*\" >>" + shellQuote(log.toString()) + "\n"
                + "{ echo '== " + name + "'; env; } >>" + shellQuote(envLog.toString()) + "\n"
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

    /** Runs {@code script} as a step's create: the fixed command line, the script on stdin. */
    public Run run(String script, Map<String, String> env) {
        return execute(env, remote -> remote.create(step(script)));
    }

    /**
     * Runs {@code deleteScript} as a step's delete: the provider sends the stored inputs, so the create script
     * ({@code storedStdin}) is on stdin again.
     */
    public Run delete(String deleteScript, String storedStdin) {
        CommandProvider.Inputs stored = step(storedStdin).delete(RemoteShell.runAsRoot(deleteScript));
        return execute(Map.of(), remote -> remote.delete(new CommandProvider.State(stored, "", "")).orElseThrow());
    }

    /** A remote script step's inputs as {@code RemoteScript} sets them. */
    public static CommandProvider.Inputs step(String script) {
        return CommandProvider.Inputs.create(RemoteShell.RUN_STDIN_AS_ROOT).stdin(script).addPreviousOutputInEnv(false);
    }

    private Run execute(Map<String, String> env, java.util.function.Function<CommandProvider.Remote, CommandProvider.Run> op) {
        try {
            Files.deleteIfExists(log);
            Files.deleteIfExists(envLog);
            Map<String, String> machine = new java.util.LinkedHashMap<>();
            machine.put("PATH", bin + ":/usr/bin:/bin");
            machine.put("HOME", dir.toString());
            machine.put("KUBEHA_ROOT", root.toString());
            machine.putAll(env);
            CommandProvider.Run r = op.apply(new CommandProvider.Remote(new CommandProvider.ProcessSshServer(machine, launcher)));
            List<String> calls = Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
            List<String> envs = Files.exists(envLog) ? List.of(Files.readString(envLog).split("(?m)^== ")) : List.of();
            return new Run(r.exitCode(), r.rawStdout(), r.rawStderr(), calls, envs, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * sudo for a test run as a user other than root: passes the command on with the same environment (the stub
     * machine's root is KUBEHA_ROOT, not /). Not logged: the call log holds what the script itself runs.
     */
    private void sudo() {
        try {
            Path file = bin.resolve("sudo");
            Files.writeString(file, "#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do shift; done\nexec \"$@\"\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a package repository's Release.key looks like (an ASCII-armored OpenPGP public key block). */
    public static final String SIGNING_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBGMHoXcBCADukGOEQyleViOgtkMVa7hKifP6POCTh+98xNW4TfHK/nBJN2sm\n=y6Ls\n"
            + "-----END PGP PUBLIC KEY BLOCK-----";

    public static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
