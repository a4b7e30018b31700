package dev.kubeha.plan;

import com.pulumi.Context;
import dev.kubeha.components.WorkerTokens;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.ProjectSchema;
import dev.kubeha.config.RawConfig;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.render.ScriptReferences;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The offline plan: runs the program under the mock engine, then simulates when each resource would start and
 * end (a resource starts when everything it waits for has ended, as the engine starts it: VM boots too, whose order
 * is their dependencies, see BootOrder), and finds the critical path.
 */
public final class Planner {

    /** One resource of the plan. Times in seconds from the start of `pulumi up`. */
    public record Step(String type, String name, String parent, String host, List<String> waitsFor, double start,
                       double end, boolean durationKnown, Registration registration) {
    }

    /** The whole plan. {@code secrets} are the placeholder secret values output must mask. */
    public record Plan(String stack, ClusterConfig config, List<Step> steps, List<String> criticalPath, double total,
                       Set<String> secrets, List<String> errors) {
        public Step step(String name) {
            return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        }

        /**
         * The most SSH sessions open on each host at one time: every remote command that takes time is one session
         * on the host it connects to (pulumi-command v1.2.1 remote/commandOutputs.go dials for every run), by host.
         */
        public Map<String, Integer> peakSessions() {
            Map<String, List<double[]>> byHost = new TreeMap<>();
            for (Step s : steps) {
                if (s.type().equals("command:remote:Command") && s.end() > s.start()) {
                    byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(new double[]{s.start(), s.end()});
                }
            }
            Map<String, Integer> peaks = new LinkedHashMap<>();
            byHost.forEach((host, spans) -> {
                List<double[]> events = new ArrayList<>();
                spans.forEach(x -> {
                    events.add(new double[]{x[0], 1});
                    events.add(new double[]{x[1], -1});
                });
                // A session that ends when another starts does not overlap it.
                events.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[1]));
                int open = 0;
                int peak = 0;
                for (double[] e : events) {
                    open += (int) e[1];
                    peak = Math.max(peak, open);
                }
                peaks.put(host, peak);
            });
            return peaks;
        }
    }

    private Planner() {
    }

    public static Plan plan(String stack, RawConfig raw, Consumer<Context> program) {
        ClusterConfig config = ClusterConfigParser.parseOrThrow(raw);
        PlanMocks mocks = new PlanMocks(config);
        Map<String, String> pulumiConfig = new LinkedHashMap<>();
        for (String key : raw.keys()) {
            String value = raw.get(key).orElse("");
            if (raw.isSecret(key)) {
                value = placeholder(key);
                mocks.addSecret(value);
            }
            pulumiConfig.put(ProjectSchema.NAMESPACE + ":" + key, value);
        }
        Recorder.Recording recording = ScriptReferences.whileRecording(() -> Recorder.record(stack, pulumiConfig, mocks, program));
        List<String> errors = recording.result().exitCode() == 0 ? List.of() : recording.result().errors();
        return simulated(stack, config, recording.registrations(), r -> duration(config, r), mocks.secrets(), errors);
    }

    /**
     * The plan of a {@code pulumi up} that changes a built cluster from {@code before} to {@code after} (e.g. a new
     * {@code kubernetesVersion}): a command whose inputs changed runs (its update, {@link StepDurations#UPDATES}),
     * a new one is created, every other step takes no time.
     */
    public static Plan change(String stack, RawConfig before, RawConfig after, Consumer<Context> program) {
        Map<String, Registration> old = new HashMap<>();
        plan(stack, before, program).steps().forEach(s -> old.put(s.name(), s.registration()));
        ClusterConfig config = ClusterConfigParser.parseOrThrow(after);
        Plan next = plan(stack, after, program);
        List<Registration> registrations = next.steps().stream().map(Step::registration).toList();
        return simulated(stack, config, registrations, r -> {
            Registration was = old.get(r.name());
            if (was == null) {
                return duration(config, r);
            }
            if (!r.type().startsWith("command:") || was.inputs().equals(r.inputs())) {
                return 0;
            }
            if (r.inputs().get("create") == null && r.inputs().get("update") == null) {
                // Nothing to run: the provider's update runs `update`, else `create`, else nothing, without dialing
                // (pulumi-command v1.2.1 remote/commandController.go, Update).
                return 0;
            }
            String step = r.name().substring(r.name().lastIndexOf('-') + 1);
            if (step.equals("tokens")) {
                return duration(config, r);
            }
            return StepDurations.UPDATES.getOrDefault(step, StepDurations.RERUN);
        }, next.secrets(), next.errors());
    }

    private static Plan simulated(String stack, ClusterConfig config, List<Registration> registrations,
                                  Function<Registration, Integer> durations, Set<String> secrets,
                                  List<String> errors) {
        List<Step> steps = simulate(config, registrations, durations);
        List<String> critical = criticalPath(steps);
        double total = steps.stream().mapToDouble(Step::end).max().orElse(0);
        return new Plan(stack, config, steps, critical, total, Set.copyOf(secrets), errors);
    }

    /**
     * What the plan puts in place of a secret (its value may be encrypted in the stack file, and the plan shows no
     * secret anyway): a value the program's checks accept, so that the plan runs what `pulumi up` would.
     */
    static String placeholder(String key) {
        return key.equals("keepalivedAuthPassword") ? "planpass" : "plan-secret-" + key;  // VRRPv2: at most 8
    }

    private static List<Step> simulate(ClusterConfig config, List<Registration> registrations,
                                       Function<Registration, Integer> durations) {
        Map<String, Registration> byName = new LinkedHashMap<>();
        registrations.forEach(r -> byName.put(r.name(), r));
        Map<String, Double> end = new HashMap<>();
        Map<String, Double> start = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        for (Registration r : registrations) {
            double finish = endOf(durations, r.name(), byName, start, end);
            steps.add(new Step(r.type(), r.name(), r.parent(), host(config, r), r.dependencies(), start.get(r.name()), finish,
                    duration(config, r) != null, r));
        }
        steps.sort(Comparator.comparingDouble(Step::start).thenComparing(Step::end).thenComparing(Step::name));
        return steps;
    }

    /** When a resource ends: it starts once everything it waits for has ended (the dependencies form a DAG). */
    private static double endOf(Function<Registration, Integer> durations, String name,
                                Map<String, Registration> byName,
                                Map<String, Double> start, Map<String, Double> end) {
        Double known = end.get(name);
        if (known != null) {
            return known;
        }
        Registration r = byName.get(name);
        if (r == null) {
            return 0;
        }
        double at = r.dependencies().stream().mapToDouble(d -> endOf(durations, d, byName, start, end)).max().orElse(0);
        start.put(name, at);
        end.put(name, at + seconds(durations, r));
        return end.get(name);
    }

    private static double seconds(Function<Registration, Integer> durations, Registration r) {
        Integer known = durations.apply(r);
        return known == null ? StepDurations.UNKNOWN : known;
    }

    /** Seconds the resource takes, or null when the table does not know its kind. */
    static Integer duration(ClusterConfig config, Registration r) {
        if (r.type().equals("command:remote:Command") && r.inputs().get("create") == null) {
            // No create command: the provider creates it without dialing (pulumi-command v1.2.1
            // remote/commandController.go, Create returns when input.Create == nil).
            return 0;
        }
        if (r.type().startsWith("command:")) {
            String step = r.name().substring(r.name().lastIndexOf('-') + 1);
            if (step.equals("tokens")) {
                List<Node> batch = WorkerTokens.batches(config.workers()).get(r.name());
                return batch == null ? null : StepDurations.tokenBatch(batch.size());
            }
            if (step.equals("join") && config.workers().stream().anyMatch(w -> r.name().equals(w.name() + "-join"))) {
                return StepDurations.WORKER_JOIN + StepDurations.REGISTRATION;
            }
            return StepDurations.COMMAND_STEPS.get(step);
        }
        if (StepDurations.TYPES.containsKey(r.type())) {
            return StepDurations.TYPES.get(r.type());
        }
        // Components, the stack, providers and random values take no time of their own.
        return 0;
    }

    /** The node a command acts on (by its connection's address), "local" for local commands, "" otherwise. */
    static String host(ClusterConfig config, Registration r) {
        if (r.type().equals("command:local:Command")) {
            return "local";
        }
        if (r.inputs().get("connection") instanceof Map<?, ?> connection) {
            Object address = connection.get("host");
            return config.allNodes().stream().filter(n -> n.address().equals(address)).map(Node::name).findFirst()
                    .orElse(String.valueOf(address));
        }
        return "";
    }

    private static List<String> criticalPath(List<Step> steps) {
        Map<String, Step> byName = new HashMap<>();
        steps.forEach(s -> byName.put(s.name(), s));
        Step last = steps.stream().max(Comparator.comparingDouble(Step::end)).orElse(null);
        List<String> path = new ArrayList<>();
        while (last != null) {
            if (last.end() > last.start()) {
                path.add(0, last.name());
            }
            Step current = last;
            last = current.waitsFor().stream().map(byName::get).filter(s -> s != null && s.end() == current.start())
                    .max(Comparator.comparingDouble(Step::end)).orElse(null);
        }
        return path;
    }
}
