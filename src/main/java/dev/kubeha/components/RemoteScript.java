package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.providers.command.remote.CommandArgs;
import dev.kubeha.render.RemoteShell;
import dev.kubeha.render.ScriptReferences;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one way kubeha runs a rendered script on a host: a {@code command:remote:Command} named
 * {@code <host>-<step>}, whose fixed command line runs {@code bash -s} as root and whose stdin is the script.
 * A changed script changes only the stdin, so Pulumi updates the resource in place and the (idempotent) script
 * runs again; an unchanged script runs nothing. A changed trigger ({@link Spec#rebuildWhen}) replaces the step:
 * its delete script runs first, then the script on the new machine.
 */
public final class RemoteScript {
    private RemoteScript() {
    }

    /**
     * What to run: the script (may be secret), an optional secret-free teardown script, the order, and what
     * rebuilds the step when it changes (its replace triggers).
     */
    public record Spec(String step, Output<String> script, Optional<String> deleteScript, List<Resource> dependsOn,
                       boolean secrets, List<Output<String>> rebuildWhen, boolean protect, List<String> ignored,
                       Runs runs) {
        public static Spec of(String step, Output<String> script) {
            return new Spec(step, script, Optional.empty(), List.of(), false, List.of(), false, List.of(), Runs.ON_CREATE);
        }

        /**
         * A step that runs nothing when it is created, updated or rebuilt, only its delete script when it is deleted
         * (no {@code create}, no {@code update}: pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go,
         * Create returns before dialing when {@code input.Create == nil}, Update runs {@code update}, else {@code create},
         * else nothing; Delete runs the stored {@code delete}). Its id, drawn anew at each create
         * ({@code resource.NewUniqueHex}), says when it was rebuilt. A worker's membership record ({@link NodeJoin}).
         */
        public static Spec deleteOnly(String step, String deleteScript) {
            return of(step, Output.of("")).onDelete(deleteScript).runs(Runs.NEVER);
        }

        public Spec onDelete(String script) {
            return new Spec(step, this.script, Optional.of(script), dependsOn, secrets, rebuildWhen, protect, ignored, runs);
        }

        public Spec after(List<? extends Resource> resources) {
            List<Resource> all = new ArrayList<>(dependsOn);
            all.addAll(resources);
            return new Spec(step, script, deleteScript, all, secrets, rebuildWhen, protect, ignored, runs);
        }

        /**
         * It handles a secret (its script carries one, or its stdout does: a kubeconfig): nothing it prints is logged,
         * and its stdout and stderr are stored as secrets. The provider makes them secret only when asked
         * (pulumi/pulumi-go-provider v1.3.0 infer/resource.go: an output is secret by default only when an input of
         * the same name is), and its error on failure carries both whatever {@code logging} says
         * (pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandOutputs.go), so the scripts themselves
         * print no secret either.
         */
        public Spec withSecrets() {
            return new Spec(step, script, deleteScript, dependsOn, true, rebuildWhen, protect, ignored, runs);
        }

        /**
         * A fixed script that only reads: run once, and again only when rebuilt; a changed connection does not run
         * it again (ignoreChanges), so its output stays what it was, and known in a preview.
         */
        public Spec readOnly() {
            return ignoring("connection");
        }

        /**
         * The record a read-only step left, kept after the node it read has left the stack: it is registered on
         * another node, and neither that connection nor its new triggers (the machine it read is gone) change it;
         * its output stays what it read.
         */
        public Spec keptAfterItsNodeLeft() {
            return readOnly().ignoring("triggers");
        }

        /**
         * The record of a step that must never run again once its node has left, whatever its script becomes: as
         * {@link #keptAfterItsNodeLeft}, and its script (stdin) is ignored too, so the script given here runs only
         * if the record is created, which means the state has none under that name: it should say so and fail.
         */
        public Spec keptAsRecordOnly() {
            return keptAfterItsNodeLeft().ignoring("stdin");
        }

        /**
         * Never replaced, whatever its triggers become: for a step that runs only on change (its create runs
         * nothing), a replacement would be a create, and skip the very run the change needed.
         */
        public Spec neverReplaced() {
            return ignoring("triggers");
        }

        private Spec ignoring(String input) {
            List<String> all = new ArrayList<>(ignored);
            all.add(input);
            return new Spec(step, script, deleteScript, dependsOn, secrets, rebuildWhen, protect, all, runs);
        }

        /**
         * Runs only when its script changes, never when it is created or rebuilt: no {@code create} command, the
         * script's runner as {@code update}. pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go:
         * Create returns before {@code state.run} (which dials SSH: commandOutputs.go, {@code c.Connection.Dial})
         * when {@code input.Create == nil}; Update runs {@code update} when set (with the new stdin); any changed input
         * other than {@code triggers} is an update (common/inputs.go; pulumi-go-provider v1.3.0 infer/resource.go,
         * diff). For a step whose work is done when its node is created (an upgrade to the version the node was
         * installed with). A failed update keeps the old state (infer/resource.go Update returns no properties on a
         * plain error), so the next {@code pulumi up} runs it again.
         */
        public Spec onlyOnChange() {
            return runs(Runs.ON_CHANGE);
        }

        private Spec runs(Runs when) {
            return new Spec(step, script, deleteScript, dependsOn, secrets, rebuildWhen, protect, ignored, when);
        }

        /** The engine refuses to delete or replace it (the step that holds the cluster). */
        public Spec protect(boolean protect) {
            return new Spec(step, script, deleteScript, dependsOn, secrets, rebuildWhen, protect, ignored, runs);
        }

        /**
         * Torn down (its delete script) and run afresh when any of these values changes, e.g. the machine it
         * belongs to, or the cluster a join belongs to (the CA certificate hash).
         */
        public Spec rebuildWhen(List<Output<String>> values) {
            List<Output<String>> all = new ArrayList<>(rebuildWhen);
            all.addAll(values);
            return new Spec(step, script, deleteScript, dependsOn, secrets, all, protect, ignored, runs);
        }
    }

    /** When a step's script runs: on create (and on any update), only on an update, or never (its delete only). */
    public enum Runs {
        ON_CREATE, ON_CHANGE, NEVER
    }

    /** Runs the script on {@code host} as {@code <host>-<step>}, a step of that machine: rebuilt with it. */
    public static Command run(Host host, Spec spec, Resource parent) {
        return run(host.name() + "-" + spec.step(), host, spec.rebuildWhen(List.of(host.machine())), parent);
    }

    /**
     * Runs the script on {@code host} under another resource name, for steps that act on one node from another
     * (a join's credentials are refreshed on a live control-plane node: {@code <joiner>-credentials}).
     */
    public static Command run(String name, Host host, Spec spec, Resource parent) {
        List<Resource> dependsOn = new ArrayList<>(host.readyAfter());
        dependsOn.addAll(spec.dependsOn());
        CommandArgs.Builder args = CommandArgs.builder()
                .connection(host.connection())
                // The previous run's output (a kubeconfig, for one) is not handed to the next run's environment.
                .addPreviousOutputInEnv(false);
        switch (spec.runs()) {
            case ON_CREATE -> args.create(RemoteShell.RUN_STDIN_AS_ROOT).stdin(spec.script().applyValue(ScriptReferences::of));
            case ON_CHANGE -> args.update(RemoteShell.RUN_STDIN_AS_ROOT).stdin(spec.script().applyValue(ScriptReferences::of));
            case NEVER -> {
            }
        }
        spec.deleteScript().ifPresent(d -> args.delete(ScriptReferences.of(RemoteShell.runAsRoot(d))));
        if (!spec.rebuildWhen().isEmpty()) {
            args.triggers(Output.all(spec.rebuildWhen()).applyValue(List::<Object>copyOf));
        }
        // A node is known by its name: its old membership is torn down before the new one is built.
        CustomResourceOptions.Builder options = CustomResourceOptions.builder().dependsOn(dependsOn)
                .deleteBeforeReplace(true).protect(spec.protect());
        if (!spec.ignored().isEmpty()) {
            options.ignoreChanges(spec.ignored());
        }
        if (parent != null) {
            options.parent(parent);
        }
        if (spec.secrets()) {
            args.logging(dev.kubeha.providers.command.remote.enums.Logging.None);
            options.additionalSecretOutputs("stdout", "stderr");
        }
        return new Command(name, args.build(), options.build());
    }
}
