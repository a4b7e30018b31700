package dev.kubeha.lab;

import com.pulumi.Context;
import com.pulumi.test.Mocks;
import dev.kubeha.plan.Recorder;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.ClusterMocks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Runs the resources the program registers (as {@link Recorder} records them for the offline plan) for real: each
 * {@code command:remote:Command} over real SSH, as pulumi-command v1.2.1 runs it, with the state the engine would keep
 * between runs. Every other resource (components, random values) is answered by {@link ClusterMocks}.
 *
 * <p>What the provider does, read from pulumi/pulumi-command at v1.2.1:
 * <ul>
 * <li>provider/pkg/provider/remote/commandController.go: Create runs {@code create} and draws a new id; Update runs
 * {@code update} when set, else {@code create}, and keeps the id; Delete runs the stored {@code delete} with the
 * stored inputs (stdin included); nothing runs when the command is absent.</li>
 * <li>provider/pkg/provider/remote/commandOutputs.go (run): one SSH session per run; {@code environment} as SSH env
 * requests; the previous stdout/stderr as PULUMI_COMMAND_STDOUT/STDERR unless {@code addPreviousOutputInEnv} is
 * false (and only when not empty); {@code stdin} piped when not empty; the command string run by the remote user's
 * shell (session.Run); stdout and stderr stored with one trailing newline trimmed; a failure reports the output.</li>
 * <li>provider/pkg/provider/common/inputs.go: {@code triggers} is replaceOnChanges; any other changed input is an
 * in-place update (pulumi-go-provider infer's default diff).</li>
 * <li>provider/pkg/provider/remote/connection.go: dialing is retried up to {@code dialErrorLimit} times (default
 * 10); {@code proxy} is dialed first and the target reached through it.</li>
 * </ul>
 * Ordering is the engine's: pulumi-java's DeploymentImpl.prepareResourceAsync waits for every dependency before it
 * registers a resource, and a dependency completes when this runner answers it, so steps run in dependency order
 * and independent steps in parallel. Deletes run one at a time, dependents first. A replacement runs delete then
 * create: every kubeha remote script is deleteBeforeReplace (RemoteScript.run), which {@link #up} checks.
 */
final class StepRunner implements Mocks, AutoCloseable {
    static final String REMOTE = "command:remote:Command";

    /** What the engine keeps of a resource between runs. */
    record State(String type, Map<String, Object> inputs, Map<String, Object> outputs, List<String> dependencies, boolean failed) {
    }

    /** One provider operation the runner performed. Times in seconds since the run started. */
    record Op(String name, String action, String host, double start, double end, boolean ok) {
    }

    /** The outcome of one {@code up} or {@code destroy}. */
    record Run(List<String> errors, List<Op> ops, double seconds, Map<String, List<String>> dependencies) {
        Run(List<String> errors, List<Op> ops, double seconds) {
            this(errors, ops, seconds, Map.of());
        }

        boolean ok() {
            return errors.isEmpty();
        }

        /** The {@code n} longest operations, longest first, as "action name seconds" (where a run's time went). */
        String slowest(int n) {
            return ops.stream().sorted(java.util.Comparator.comparingDouble((Op o) -> o.start() - o.end()))
                    .limit(n).map(o -> String.format("%s %s %.0f s", o.action(), o.name(), o.end() - o.start()))
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        /** Names of the steps that ran a command (create, update, replace, delete). */
        List<String> changed() {
            return ops.stream().map(o -> o.action() + " " + o.name()).sorted().toList();
        }
    }

    private final Ssh ssh;
    private final Path keyDir;
    private final ClusterMocks others = new ClusterMocks();
    private final Map<String, State> state = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> registered = new ConcurrentHashMap<>();
    private final Map<String, String> ids = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong created = new java.util.concurrent.atomic.AtomicLong();
    private final List<Op> ops = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "step-runner");
        t.setDaemon(true);
        return t;
    });
    private final int commandSeconds;
    private long started;

    StepRunner(Ssh ssh, Path keyDir, int commandSeconds) {
        this.ssh = ssh;
        this.keyDir = keyDir;
        this.commandSeconds = commandSeconds;
    }

    /** {@code pulumi up}: runs the program, runs what changed, then deletes what the program no longer has. */
    synchronized Run up(String stack, Map<String, String> config, Consumer<Context> program) {
        begin();
        Recorder.Recording recording = Recorder.record(stack, config, this, program);
        List<String> errors = new ArrayList<>(failures);
        if (recording.result().exitCode() != 0) {
            errors.addAll(recording.result().errors());
        }
        Map<String, Registration> byName = new HashMap<>();
        recording.registrations().forEach(r -> byName.put(r.name(), r));
        for (Op op : ops) {
            Registration r = byName.get(op.name());
            if (op.action().equals("replace") && r != null && !r.deleteBeforeReplace()) {
                errors.add(op.name() + " was replaced, but is not deleteBeforeReplace: the runner ran delete first, the engine would not");
            }
        }
        synchronized (state) {
            for (Registration r : recording.registrations()) {
                State s = state.get(r.name());
                if (s != null) {
                    state.put(r.name(), new State(s.type(), s.inputs(), s.outputs(), r.dependencies(), s.failed()));
                }
            }
        }
        if (errors.isEmpty()) {
            List<String> gone = new ArrayList<>(state.keySet());
            gone.removeAll(registered.keySet());
            deleteAll(gone, errors);
        }
        Map<String, List<String>> dependencies = new HashMap<>();
        recording.registrations().forEach(r -> dependencies.put(r.name(), r.dependencies()));
        return new Run(List.copyOf(errors), List.copyOf(ops), seconds(), dependencies);
    }

    /** {@code pulumi destroy}: every resource deleted, dependents first. */
    synchronized Run destroy() {
        begin();
        List<String> errors = new ArrayList<>();
        deleteAll(new ArrayList<>(state.keySet()), errors);
        return new Run(List.copyOf(errors), List.copyOf(ops), seconds());
    }

    /**
     * Runs a step's command again as the provider does on an in-place update (its {@code update}, else its
     * {@code create}, with the stored inputs): what happens whenever a step's stdin changes. For idempotency checks.
     */
    synchronized Run rerun(String name) {
        begin();
        State s = state.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no resource " + name);
        }
        List<String> errors = new ArrayList<>();
        try {
            String command = s.inputs().get("update") != null ? str(s.inputs().get("update")) : str(s.inputs().get("create"));
            execute(name, "update", s.inputs(), command, s.outputs());
        } catch (IllegalStateException e) {
            errors.add(e.getMessage());
        }
        return new Run(List.copyOf(errors), List.copyOf(ops), seconds());
    }

    /** The stored outputs of a resource (its stdout), for checks. */
    Map<String, Object> outputs(String name) {
        State s = state.get(name);
        return s == null ? Map.of() : s.outputs();
    }

    Set<String> resources() {
        return new TreeSet<>(state.keySet());
    }

    private void begin() {
        ops.clear();
        failures.clear();
        registered.clear();
        started = System.nanoTime();
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        registered.put(args.name, args.inputs);
        if (!args.type.equals(REMOTE)) {
            if (args.type.startsWith("command:")) {
                return CompletableFuture.failedFuture(new IllegalStateException(args.name + ": the lab runs remote commands only, not "
                        + args.type));
            }
            return others.newResourceAsync(args);
        }
        return CompletableFuture.supplyAsync(() -> apply(args.name, args.inputs), pool);
    }

    private ResourceResult apply(String name, Map<String, Object> inputs) {
        State old;
        synchronized (state) {
            old = state.get(name);
        }
        Map<String, Object> outputs;
        if (old == null) {
            ids.put(name, newId(name));
            outputs = execute(name, "create", inputs, str(inputs.get("create")), Map.of());
        } else if (!Objects.equals(old.inputs().get("triggers"), inputs.get("triggers"))) {
            delete(name, old);
            ids.put(name, newId(name));
            outputs = execute(name, "replace", inputs, str(inputs.get("create")), Map.of());
        } else if (old.inputs().equals(inputs) && !old.failed()) {
            return ResourceResult.of(java.util.Optional.of(ids.get(name)), old.outputs());
        } else {
            String command = inputs.get("update") != null ? str(inputs.get("update")) : str(inputs.get("create"));
            outputs = execute(name, "update", inputs, command, old.outputs());
        }
        return ResourceResult.of(java.util.Optional.of(ids.get(name)), outputs);
    }

    /**
     * The id of a command created now: drawn anew at each create, and kept by its updates (commandController.go,
     * Create: {@code resource.NewUniqueHex(name, 8, 0)}); a counter here, so that runs are repeatable.
     */
    private String newId(String name) {
        return name + "-" + created.incrementAndGet();
    }

    /** Runs one command of a resource; stores the resulting state; throws when the command fails. */
    private Map<String, Object> execute(String name, String action, Map<String, Object> inputs, String command,
                                        Map<String, Object> previous) {
        Map<String, Object> outputs = new LinkedHashMap<>(inputs);
        outputs.put("stdout", previous.getOrDefault("stdout", ""));
        outputs.put("stderr", previous.getOrDefault("stderr", ""));
        if (command == null) {
            store(name, inputs, outputs, false);
            return outputs;
        }
        double start = seconds();
        Ssh.Result r = session(inputs, command, previous);
        ops.add(new Op(name, action, host(inputs), start, seconds(), r.ok()));
        if (!r.ok()) {
            // The engine keeps a resource whose create failed (an initialization error) and updates it next time.
            store(name, inputs, outputs, true);
            String message = name + ": " + action + " failed (exit " + r.exitCode() + "):\n" + tail(r.stdout() + r.stderr());
            failures.add(message);
            throw new IllegalStateException(message);
        }
        outputs.put("stdout", trimOneNewline(r.stdout()));
        outputs.put("stderr", trimOneNewline(r.stderr()));
        store(name, inputs, outputs, false);
        return outputs;
    }

    private void store(String name, Map<String, Object> inputs, Map<String, Object> outputs, boolean failed) {
        synchronized (state) {
            State old = state.get(name);
            state.put(name, new State(REMOTE, inputs, outputs, old == null ? List.of() : old.dependencies(), failed));
        }
    }

    private void delete(String name, State s) {
        String command = str(s.inputs().get("delete"));
        synchronized (state) {
            state.remove(name);
        }
        if (command == null) {
            return;
        }
        double start = seconds();
        Ssh.Result r = session(s.inputs(), command, s.outputs());
        ops.add(new Op(name, "delete", host(s.inputs()), start, seconds(), r.ok()));
        if (!r.ok()) {
            synchronized (state) {
                state.put(name, s);
            }
            String message = name + ": delete failed (exit " + r.exitCode() + "):\n" + tail(r.stdout() + r.stderr());
            failures.add(message);
            throw new IllegalStateException(message);
        }
    }

    /** Deletes the named resources, each after every resource that depends on it. */
    private void deleteAll(List<String> names, List<String> errors) {
        List<String> left = new ArrayList<>(names);
        while (!left.isEmpty()) {
            String next = left.stream().filter(n -> left.stream().noneMatch(o -> state.get(o).dependencies().contains(n)))
                    .findFirst().orElse(left.get(0));
            left.remove(next);
            try {
                delete(next, state.get(next));
            } catch (IllegalStateException e) {
                errors.add(e.getMessage());
                return;
            }
        }
    }

    /** One SSH session, with the provider's environment rules and its dial retries. */
    private Ssh.Result session(Map<String, Object> inputs, String command, Map<String, Object> previous) {
        Map<String, String> env = new LinkedHashMap<>();
        if (inputs.get("environment") instanceof Map<?, ?> e) {
            e.forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
        }
        if (!Boolean.FALSE.equals(inputs.get("addPreviousOutputInEnv"))) {
            putIfNotEmpty(env, "PULUMI_COMMAND_STDOUT", previous.get("stdout"));
            putIfNotEmpty(env, "PULUMI_COMMAND_STDERR", previous.get("stderr"));
        }
        Map<?, ?> connection = (Map<?, ?>) inputs.get("connection");
        Ssh.Target target = target(connection);
        String stdin = str(inputs.get("stdin"));
        int limit = connection.get("dialErrorLimit") instanceof Number n ? n.intValue() : 10;
        Ssh.Result r = null;
        for (int dial = 1; limit < 0 || dial <= Math.max(limit, 1); dial++) {
            r = ssh.run(target, command, stdin == null || stdin.isEmpty() ? null : stdin, env, commandSeconds);
            if (!(r.exitCode() == 255 && r.stdout().isEmpty() && dialError(r.stderr())) || dial >= 60) {
                break;
            }
            HostShell.sleep(1);
        }
        return r;
    }

    private static boolean dialError(String stderr) {
        return stderr.contains("Connection refused") || stderr.contains("timed out") || stderr.contains("No route to host")
                || stderr.contains("Connection reset") || stderr.contains("Connection closed");
    }

    private Ssh.Target target(Map<?, ?> c) {
        if (c == null) {
            throw new IllegalStateException("a remote command without a connection");
        }
        Ssh.Target proxy = c.get("proxy") instanceof Map<?, ?> p ? target(p) : null;
        String key = str(c.get("privateKey"));
        if (key == null) {
            throw new IllegalStateException("the lab connects with private keys only (connection to " + c.get("host") + ")");
        }
        int port = c.get("port") instanceof Number n ? n.intValue() : 22;
        String user = c.get("user") == null ? "root" : str(c.get("user"));
        return new Ssh.Target(str(c.get("host")), port, user, Ssh.keyFile(keyDir, "key-" + digest(key), key), proxy);
    }

    private static void putIfNotEmpty(Map<String, String> env, String key, Object value) {
        if (value != null && !String.valueOf(value).isEmpty()) {
            env.put(key, String.valueOf(value));
        }
    }

    private static String host(Map<String, Object> inputs) {
        return inputs.get("connection") instanceof Map<?, ?> c ? String.valueOf(c.get("host")) : "";
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static String trimOneNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static String tail(String s) {
        return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
