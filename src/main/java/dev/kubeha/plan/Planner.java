package dev.kubeha.plan;

import com.pulumi.Context;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.ProjectSchema;
import dev.kubeha.config.RawConfig;
import dev.kubeha.plan.Recorder.Registration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

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
        Recorder.Recording recording = Recorder.record(stack, pulumiConfig, mocks, program);
        List<String> errors = recording.result().exitCode() == 0 ? List.of() : recording.result().errors();
        List<Step> steps = simulate(config, recording.registrations());
        List<String> critical = criticalPath(steps);
        double total = steps.stream().mapToDouble(Step::end).max().orElse(0);
        return new Plan(stack, config, steps, critical, total, Set.copyOf(mocks.secrets()), errors);
    }

    /**
     * What the plan puts in place of a secret (its value may be encrypted in the stack file, and the plan shows no
     * secret anyway): a value the program's checks accept, so that the plan runs what `pulumi up` would.
     */
    static String placeholder(String key) {
        return key.equals("keepalivedAuthPassword") ? "planpass" : "plan-secret-" + key;  // VRRPv2: at most 8
    }

    private static List<Step> simulate(ClusterConfig config, List<Registration> registrations) {
        Map<String, Registration> byName = new LinkedHashMap<>();
        registrations.forEach(r -> byName.put(r.name(), r));
        Map<String, Double> end = new HashMap<>();
        Map<String, Double> start = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        for (Registration r : registrations) {
            double finish = endOf(config, r.name(), byName, start, end);
            steps.add(new Step(r.type(), r.name(), r.parent(), host(config, r), r.dependencies(), start.get(r.name()), finish,
                    duration(config, r) != null, r));
        }
        steps.sort(Comparator.comparingDouble(Step::start).thenComparing(Step::end).thenComparing(Step::name));
        return steps;
    }

    /** When a resource ends: it starts once everything it waits for has ended (the dependencies form a DAG). */
    private static double endOf(ClusterConfig config, String name, Map<String, Registration> byName,
                                Map<String, Double> start, Map<String, Double> end) {
        Double known = end.get(name);
        if (known != null) {
            return known;
        }
        Registration r = byName.get(name);
        if (r == null) {
            return 0;
        }
        double at = r.dependencies().stream().mapToDouble(d -> endOf(config, d, byName, start, end)).max().orElse(0);
        start.put(name, at);
        end.put(name, at + seconds(config, r));
        return end.get(name);
    }

    private static double seconds(ClusterConfig config, Registration r) {
        Integer known = duration(config, r);
        return known == null ? StepDurations.UNKNOWN : known;
    }

    /** Seconds the resource takes, or null when the table does not know its kind. */
    static Integer duration(ClusterConfig config, Registration r) {
        if (r.type().startsWith("command:")) {
            String step = r.name().substring(r.name().lastIndexOf('-') + 1);
            if (step.equals("join") && config.workers().stream().anyMatch(w -> r.name().equals(w.name() + "-join"))) {
                return StepDurations.WORKER_JOIN;
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
