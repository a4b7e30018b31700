package dev.kubeha.engine;

import dev.kubeha.Main;
import dev.kubeha.plan.Recorder;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.Stacks;

import dev.kubeha.plan.Recorder.Registration;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Runs the kubeha program twice under the mock engine, as a user would: {@code pulumi up} with one config (the
 * state), then {@code pulumi preview} or {@code pulumi up} with a changed config, the second run answered by the
 * {@link EngineModel}.
 */
public final class Engine {
    static final String STACK = "vagrant";
    /** The day both runs happen on, unless a test says otherwise: the stamp of the daily certificate checks. */
    public static final LocalDate DAY = LocalDate.of(2026, 12, 7);

    private Engine() {
    }

    /** The state {@code pulumi up} leaves with this stack's config plus {@code base}. */
    public static Recorder.Recording up(String stack, Map<String, String> base) {
        return Recorder.record(STACK, Stacks.pulumiConfig(Stacks.raw(stack, base)), new ClusterMocks(), Main.stackOn(DAY));
    }

    /** What a preview ({@code preview}) or an up does after changing {@code overrides} on that state. */
    public static Deployment change(String stack, Map<String, String> base, Map<String, String> overrides,
                                    boolean preview) {
        return change(stack, base, overrides, preview, UnaryOperator.identity());
    }

    /**
     * @param olderState how the state differs from what this kubeha would have made, e.g. registrations made by an
     *                   earlier kubeha whose scripts differed
     */
    public static Deployment change(String stack, Map<String, String> base, Map<String, String> overrides,
                                    boolean preview, UnaryOperator<Registration> olderState) {
        return change(stack, base, overrides, preview, olderState, DAY);
    }

    /** The same, the second run on {@code day} (the first is on {@link #DAY}). */
    public static Deployment change(String stack, Map<String, String> base, Map<String, String> overrides,
                                    boolean preview, UnaryOperator<Registration> olderState, LocalDate day) {
        Recorder.Recording made = up(stack, base);
        if (made.result().exitCode() != 0) {
            throw new AssertionError("the first run failed: " + made.result().errors());
        }
        List<Registration> state = made.registrations().stream().map(olderState).toList();
        Map<String, String> config = new HashMap<>(base);
        config.putAll(overrides);
        EngineModel model = new EngineModel(STACK, state, preview, new ClusterMocks());
        Recorder.Recording run = Recorder.record(STACK, Stacks.pulumiConfig(Stacks.raw(stack, config)), model, preview,
                Main.stackOn(day));
        Deployment deployment = model.finish();
        if (deployment.errors().isEmpty() && run.result().exitCode() != 0) {
            throw new AssertionError("the program failed: " + run.result().errors());
        }
        return deployment;
    }

    /** What {@code pulumi destroy} does to the state of this stack's config plus {@code base}: deletes everything. */
    public static Deployment destroy(String stack, Map<String, String> base) {
        return new EngineModel(STACK, up(stack, base).registrations(), true, new ClusterMocks()).finish();
    }

    public static Deployment preview(Map<String, String> overrides) {
        return change(STACK, Map.of(), overrides, true);
    }

    public static Deployment up(Map<String, String> overrides) {
        return change(STACK, Map.of(), overrides, false);
    }

    /** The registration as an earlier kubeha made it: {@code marker} in any script text followed by another line. */
    public static UnaryOperator<Registration> scriptsChangedAfter(String marker) {
        return r -> {
            if (!(r.inputs().get("stdin") instanceof String stdin) || !stdin.contains(marker)) {
                return r;
            }
            Map<String, Object> inputs = new java.util.LinkedHashMap<>(r.inputs());
            inputs.put("stdin", stdin.replace(marker, marker + "\n# as an earlier kubeha had it"));
            return new Registration(r.type(), r.name(), r.parent(), r.dependencies(), r.additionalSecretOutputs(),
                    r.replaceOnChanges(), r.version(), r.deleteBeforeReplace(), r.propertyDependencies(), inputs,
                    r.secretInputs(), r.custom(), r.protect(), r.provider(), r.unknownInputs(), r.urn(), r.aliases(),
                    r.ignoreChanges());
        };
    }
}
