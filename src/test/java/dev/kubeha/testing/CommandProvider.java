package dev.kubeha.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How the command provider (pulumi/pulumi-command v1.2.1) runs a {@code command:local:Command} or
 * {@code command:remote:Command}, modelled from its source so that every test runs a command the way a real
 * {@code pulumi up} will:
 * <ul>
 * <li>create runs {@code create}, and without one runs nothing and dials no SSH connection
 *     (remote/commandController.go: {@code if input.Create == nil} returns before {@code state.run}, which dials);
 *     update runs {@code update}, else {@code create}, with the new inputs and the
 *     previous outputs; delete runs {@code delete} with the stored state, i.e. the <b>old</b> inputs, including
 *     their {@code stdin} and {@code environment} (provider/pkg/provider/local/commandController.go,
 *     remote/commandController.go: {@code props.run(ctx, *props.Delete, ...)} on {@code req.State}).</li>
 * <li>local: argv is {@code interpreter + [command]}, {@code /bin/sh -c} when no interpreter is set; the
 *     environment is the provider's own plus {@code environment}; stdin only when non-empty
 *     (local/commandOutputs.go, {@code run}).</li>
 * <li>remote: the command string is handed to the SSH server, whose login shell runs it as {@code shell -c
 *     command}; {@code environment} and the previous outputs are requested with SSH {@code Setenv}, which the
 *     server refuses unless {@code AcceptEnv} allows it: fatal for {@code environment}, a warning for
 *     {@code PULUMI_COMMAND_*} (remote/commandOutputs.go, {@code run}, {@code logAndWrapSetenvErr}).</li>
 * <li>on update and delete, the previous stdout and stderr are in {@code PULUMI_COMMAND_STDOUT} and
 *     {@code PULUMI_COMMAND_STDERR} (when non-empty) unless {@code addPreviousOutputInEnv} is false.</li>
 * <li>stored outputs lose one trailing newline; a failing command keeps the previous outputs and fails with
 *     {@code "<exit status>: running \"<command>\":\n<stdout and stderr interleaved>"}, whatever {@code logging}
 *     says (the error goes to the Pulumi console and log).</li>
 * </ul>
 * Where the command runs is a {@link Local} machine (the user's, running Pulumi) or an {@link SshServer} (a node);
 * tests use {@link ProcessSshServer}, which runs the command with {@code /bin/dash -c} so that a bash-ism in a
 * command line fails here as it fails on a node whose login shell is dash; a lab can supply a real SSH server.
 */
public final class CommandProvider {
    private static final String STDOUT = "PULUMI_COMMAND_STDOUT";
    private static final String STDERR = "PULUMI_COMMAND_STDERR";
    /**
     * The harness's own bound on one command (pulumi-command sets none): long enough for the slowest script test on
     * a loaded two-core machine (a script looping 120 times over stubbed calls once took more than 120 s there),
     * short enough to end a hung one.
     */
    private static final int TIMEOUT_SECONDS = 300;

    private CommandProvider() {
    }

    /** The inputs of a command resource that decide how it runs (the provider's {@code CommandInputs}). */
    public record Inputs(String create, Optional<String> update, Optional<String> delete, String stdin,
                         Map<String, String> environment, List<String> interpreter, Optional<Path> dir,
                         boolean addPreviousOutputInEnv) {
        public Inputs {
            environment = Map.copyOf(environment);
            interpreter = List.copyOf(interpreter);
        }

        /** The inputs a program registered for a command (as recorded by the mock engine), without its connection. */
        @SuppressWarnings("unchecked")
        public static Inputs of(Map<String, Object> recorded) {
            return new Inputs((String) recorded.get("create"), Optional.ofNullable((String) recorded.get("update")),
                    Optional.ofNullable((String) recorded.get("delete")), (String) recorded.getOrDefault("stdin", ""),
                    (Map<String, String>) recorded.getOrDefault("environment", Map.of()),
                    (List<String>) recorded.getOrDefault("interpreter", List.of()),
                    Optional.ofNullable((String) recorded.get("dir")).map(Path::of),
                    !Boolean.FALSE.equals(recorded.get("addPreviousOutputInEnv")));
        }

        public static Inputs create(String create) {
            return new Inputs(create, Optional.empty(), Optional.empty(), "", Map.of(), List.of(), Optional.empty(), true);
        }

        /** A command with only an {@code update} (no {@code create}): it runs when its inputs change, never on creation. */
        public static Inputs updateOnly(String update) {
            return new Inputs(null, Optional.of(update), Optional.empty(), "", Map.of(), List.of(), Optional.empty(), true);
        }

        public Inputs delete(String command) {
            return new Inputs(create, update, Optional.of(command), stdin, environment, interpreter, dir, addPreviousOutputInEnv);
        }

        public Inputs stdin(String value) {
            return new Inputs(create, update, delete, value, environment, interpreter, dir, addPreviousOutputInEnv);
        }

        public Inputs environment(Map<String, String> value) {
            return new Inputs(create, update, delete, stdin, value, interpreter, dir, addPreviousOutputInEnv);
        }

        public Inputs interpreter(List<String> value) {
            return new Inputs(create, update, delete, stdin, environment, value, dir, addPreviousOutputInEnv);
        }

        public Inputs dir(Path value) {
            return new Inputs(create, update, delete, stdin, environment, interpreter, Optional.of(value), addPreviousOutputInEnv);
        }

        public Inputs addPreviousOutputInEnv(boolean value) {
            return new Inputs(create, update, delete, stdin, environment, interpreter, dir, value);
        }
    }

    /** A resource's stored state: its inputs and the outputs of the last successful create or update. */
    public record State(Inputs inputs, String stdout, String stderr) {
    }

    /**
     * One run of a command: the process as started (argv, the environment it got, its stdin), its exit code, its
     * raw output, the outputs as stored, and the provider's error message when it failed.
     */
    public record Run(List<String> argv, Map<String, String> env, String stdin, int exitCode, String rawStdout,
                      String rawStderr, List<String> warnings, State state, Optional<String> error) {
        public boolean ok() {
            return error.isEmpty();
        }

        /** Whether a process was started (a remote one: an SSH session opened). */
        public boolean ran() {
            return !argv.isEmpty();
        }
    }

    /** Where a command's process is started: argv, the environment it gets, stdin, working directory. */
    public interface Process {
        Executed start(List<String> argv, Map<String, String> env, String stdin, Optional<Path> dir);
    }

    /** What a started process did. */
    public record Executed(int exitCode, String stdout, String stderr) {
    }

    /** A node's SSH server: what it does with a session's command, Setenv requests and stdin. */
    public interface SshServer {
        /**
         * @param setenv the variables the client asked for, in order; the server refuses what its AcceptEnv does
         *               not allow
         * @return the argv and environment it ran the command with, and what the command did
         */
        Session session(String command, Map<String, String> setenv, String stdin);
    }

    /** A machine that is gone: nothing answers its SSH port; every dial times out. */
    public record Unreachable(String address, int dialErrorLimit) implements SshServer {
        @Override
        public Session session(String command, Map<String, String> setenv, String stdin) {
            throw new IllegalStateException("no session on a machine that does not answer");
        }
    }

    /** A session as the SSH server ran it; {@code refused}: the Setenv requests it did not accept. */
    public record Session(List<String> argv, Map<String, String> env, List<String> refused, Executed executed) {
    }

    /** {@code command:local:Command}: runs on the machine that runs Pulumi, with the provider's environment. */
    /**
     * What both command kinds do alike (pulumi-command v1.2.1 local/ and remote/ commandController.go): create runs
     * {@code create}; update runs {@code update}, else {@code create}, with the previous outputs at hand; delete runs
     * the stored {@code delete} with the stored inputs (no delete: nothing runs). Only how a command runs differs.
     */
    abstract static class Lifecycle {
        /**
         * Runs {@code create}; without one nothing runs and no SSH connection is dialed: Create returns when
         * {@code input.Create == nil}, before {@code state.run} (which dials, remote/commandOutputs.go).
         */
        public Run create(Inputs inputs) {
            State state = new State(inputs, "", "");
            return inputs.create() == null ? nothingRan(state) : run(inputs.create(), state, inputs);
        }

        /** Runs {@code update}, else {@code create}, with the new inputs (stdin too); neither: nothing runs. */
        public Run update(State old, Inputs inputs) {
            State state = new State(inputs, old.stdout(), old.stderr());
            String command = inputs.update().orElse(inputs.create());
            return command == null ? nothingRan(state) : run(command, state, inputs);
        }

        private static Run nothingRan(State state) {
            return new Run(List.of(), Map.of(), null, 0, "", "", List.of(), state, Optional.empty());
        }


        public Optional<Run> delete(State state) {
            return state.inputs().delete().map(d -> run(d, state, state.inputs()));
        }

        abstract Run run(String command, State state, Inputs in);
    }

    public static final class Local extends Lifecycle {
        private final Map<String, String> providerEnv;
        private final Process process;

        public Local(Map<String, String> providerEnv, Process process) {
            this.providerEnv = Map.copyOf(providerEnv);
            this.process = process;
        }

        /** Runs processes on this machine, each bounded in time. */
        public Local(Map<String, String> providerEnv) {
            this(providerEnv, CommandProvider::start);
        }


        @Override
        Run run(String command, State state, Inputs in) {
            List<String> argv = new ArrayList<>(in.interpreter().isEmpty() ? List.of("/bin/sh", "-c") : in.interpreter());
            argv.add(command);
            Map<String, String> env = new LinkedHashMap<>(providerEnv);
            env.putAll(in.environment());
            env.putAll(previousOutputs(state, in));
            String stdin = in.stdin().isEmpty() ? null : in.stdin();
            Executed e = process.start(argv, env, stdin, in.dir());
            return result(command, argv, env, stdin, e, List.of(), state);
        }
    }

    /** {@code command:remote:Command}: the command string goes to a node's SSH server. */
    public static final class Remote extends Lifecycle {
        private final SshServer server;

        public Remote(SshServer server) {
            this.server = server;
        }


        // The stored stdin is sent to the delete as well.
        @Override
        Run run(String command, State state, Inputs in) {
            if (!in.interpreter().isEmpty() || in.dir().isPresent()) {
                throw new IllegalArgumentException("a remote command has no interpreter or dir input");
            }
            Map<String, String> setenv = new LinkedHashMap<>(in.environment());
            Map<String, String> previous = previousOutputs(state, in);
            setenv.putAll(previous);
            String stdin = in.stdin().isEmpty() ? null : in.stdin();
            if (server instanceof Unreachable gone) {
                // Every run dials first (remote/commandOutputs.go, run: c.Connection.Dial), a delete too; when the
                // limit of dials is reached, the error is "after N failed attempts: <dial error>" (remote/connection.go,
                // dialWithRetry) and nothing ran: the resource keeps its state (a failed delete leaves it in the stack).
                return failure(command, List.of(), Map.of(), stdin, state, "after " + gone.dialErrorLimit()
                        + " failed attempts: dial tcp " + gone.address() + ":22: i/o timeout");
            }
            Session s = server.session(command, setenv, stdin);
            List<String> warnings = new ArrayList<>();
            for (String name : s.refused()) {
                if (!previous.containsKey(name)) {
                    return failure(command, s.argv(), s.env(), stdin, state,
                            "could not set environment variable \"" + name + "\": ssh: setenv failed");
                }
                warnings.add("Unable to set '" + name + "'. This only works if your SSH server is configured to accept"
                        + " these variables via AcceptEnv.");
            }
            return result(command, s.argv(), s.env(), stdin, s.executed(), warnings, state);
        }
    }

    /**
     * An SSH server stand-in that runs each session's command as the server does, {@code <login shell> -c
     * <command>} (openssh/openssh-portable session.c, do_child: {@code argv = {shell0, "-c", command}}), here with
     * {@code /bin/dash} as the login shell; the session's environment is the machine's plus
     * the accepted Setenv requests ({@code AcceptEnv LANG LC_*}, Debian's and Ubuntu's sshd_config, unless given).
     */
    public static final class ProcessSshServer implements SshServer {
        public static final String LOGIN_SHELL = "/bin/dash";
        private final Map<String, String> machineEnv;
        private final List<String> acceptEnv;
        private final List<String> launcher;

        public ProcessSshServer(Map<String, String> machineEnv) {
            this(machineEnv, List.of());
        }

        /** @param launcher what the shell runs under on this machine, e.g. {@code ip netns exec NAME} (or nothing) */
        public ProcessSshServer(Map<String, String> machineEnv, List<String> launcher) {
            this(machineEnv, List.of("LANG", "LC_*"), launcher);
        }

        public ProcessSshServer(Map<String, String> machineEnv, List<String> acceptEnv, List<String> launcher) {
            this.machineEnv = Map.copyOf(machineEnv);
            this.acceptEnv = List.copyOf(acceptEnv);
            this.launcher = List.copyOf(launcher);
        }

        @Override
        public Session session(String command, Map<String, String> setenv, String stdin) {
            Map<String, String> env = new LinkedHashMap<>(machineEnv);
            List<String> refused = new ArrayList<>();
            setenv.forEach((k, v) -> {
                if (acceptEnv.stream().anyMatch(p -> p.endsWith("*") ? k.startsWith(p.substring(0, p.length() - 1)) : k.equals(p))) {
                    env.put(k, v);
                } else {
                    refused.add(k);
                }
            });
            List<String> argv = List.of(LOGIN_SHELL, "-c", command);
            List<String> launched = new ArrayList<>(launcher);
            launched.addAll(argv);
            return new Session(argv, env, refused, start(launched, env, stdin, Optional.empty()));
        }
    }

    /**
     * How long a remote command (its delete too: with the stored connection) tries to reach a machine that does not
     * answer before it fails: dialErrorLimit + 1 dials, each up to perDialTimeout when nothing answers (or at once
     * when the connection is refused), with retry.Until's waits in between: 0.1 s, growing 1.5 times, at most 5 s
     * (remote/connection.go dialWithRetry and reachedDialingErrorLimit; pulumi/pulumi
     * sdk/go/common/util/retry/until.go DefaultDelay, DefaultBackoff, DefaultMaxDelay).
     *
     * @param answersAtOnce true: refused at once (host up, no sshd); false: every dial times out
     */
    public static double secondsToGiveUp(int dialErrorLimit, int perDialTimeoutSeconds, boolean answersAtOnce) {
        double waited = 0;
        double delay = 0.1;
        for (int retry = 0; retry < dialErrorLimit; retry++) {
            waited += Math.min(delay, 5);
            delay *= 1.5;
        }
        return waited + (answersAtOnce ? 0 : (double) (dialErrorLimit + 1) * perDialTimeoutSeconds);
    }

    private static Map<String, String> previousOutputs(State state, Inputs in) {
        Map<String, String> env = new LinkedHashMap<>();
        if (in.addPreviousOutputInEnv()) {
            if (!state.stdout().isEmpty()) {
                env.put(STDOUT, state.stdout());
            }
            if (!state.stderr().isEmpty()) {
                env.put(STDERR, state.stderr());
            }
        }
        return env;
    }

    private static Run result(String command, List<String> argv, Map<String, String> env, String stdin, Executed e,
                              List<String> warnings, State state) {
        if (e.exitCode() != 0) {
            // The provider's error carries the output of both streams whatever `logging` says.
            String error = "exit status " + e.exitCode() + ": running " + goQuote(command) + ":\n" + e.stdout() + e.stderr();
            return new Run(argv, env, stdin, e.exitCode(), e.stdout(), e.stderr(), warnings, state, Optional.of(error));
        }
        State stored = new State(state.inputs(), trimNewline(e.stdout()), trimNewline(e.stderr()));
        return new Run(argv, env, stdin, 0, e.stdout(), e.stderr(), warnings, stored, Optional.empty());
    }

    private static Run failure(String command, List<String> argv, Map<String, String> env, String stdin, State state,
                               String error) {
        return new Run(argv, env, stdin, -1, "", "", List.of(), state, Optional.of(error));
    }

    private static String trimNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** Go's %q, close enough for the error text: the command in double quotes, escapes for \ " and newlines. */
    private static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    /** Starts a process here with exactly {@code env}, waits at most two minutes. */
    public static Executed start(List<String> argv, Map<String, String> env, String stdin, Optional<Path> dir) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("kubeha-cmd-", ".out");
            err = Files.createTempFile("kubeha-cmd-", ".err");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
            dir.ifPresent(d -> pb.directory(d.toFile()));
            pb.environment().clear();
            pb.environment().putAll(env);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            java.lang.Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException closedEarly) {
                    // The command did not read all of its stdin, as it may.
                }
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(argv.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Executed(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file; nothing else to do
            }
        }
    }
}
