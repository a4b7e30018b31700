package dev.kubeha.engine;

import com.pulumi.test.Mocks;
import dev.kubeha.plan.Recorder;
import dev.kubeha.plan.Recorder.Registration;
import pulumirpc.Resource.RegisterResourceRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-side model of the Pulumi engine's step generation (pulumi/pulumi:pkg/resource/deploy/step_generator.go),
 * run as the program's mocks: each registration of the new program run is compared with the state (the
 * registrations of an earlier run) when it arrives, as the engine does, and answered with what the engine would
 * answer (in a preview, outputs of a resource that changes are unknown, see {@link PreviewOutputs}). It records
 * what the engine would do, in order: creates, updates, and deletes, including the delete-before-replace cascade
 * ({@link Cascade}), the refusal to replace or delete a protected resource ({@link #refuse}), and at the end the
 * deletes of resources the program no longer has (GenerateDeletes and ScheduleDeletes: reverse dependency order).
 */
public final class EngineModel implements Mocks, Recorder.RequestObserver {
    private final String stack;
    private final List<Registration> state;
    private final Map<String, Registration> stateByUrn = new LinkedHashMap<>();
    private final boolean preview;
    private final Mocks providers;
    private final Map<String, RegisterResourceRequest> requests = new ConcurrentHashMap<>();
    private final List<Op> ops = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Change> changes = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Set<String> seenOld = ConcurrentHashMap.newKeySet();
    private final Set<String> condemned = ConcurrentHashMap.newKeySet();
    private final List<String> pendingDeletes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean bailed;

    /**
     * @param state     the registrations of the run that made the stack's state (an update, in order)
     * @param preview   whether this run is {@code pulumi preview} (else {@code pulumi up})
     * @param providers what the providers compute for a resource (outputs), as in any mock run
     */
    public EngineModel(String stack, List<Registration> state, boolean preview, Mocks providers) {
        this.stack = stack;
        this.state = List.copyOf(state);
        this.preview = preview;
        this.providers = providers;
        for (Registration r : state) {
            stateByUrn.put(r.urn(), r);
        }
    }

    @Override
    public void observe(RegisterResourceRequest request) {
        requests.put(request.getName(), request);
        if (request.getType().equals("pulumi:pulumi:Stack")) {
            // The mock monitor answers the stack itself; the engine keeps it (same).
            seenOld.add(Recorder.registration(stack, request, Map.of()).urn());
        }
    }

    @Override
    public synchronized CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        if (bailed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the deployment stopped: " + errors));
        }
        Registration now = Recorder.registration(stack, requests.get(args.name), args.inputs);
        Change change = step(now);
        registered.add(now.name());
        changes.put(now.name(), change);
        if (bailed) {
            return CompletableFuture.failedFuture(new IllegalStateException(String.join("\n", errors)));
        }
        return providers.newResourceAsync(asAnswered(change, args, now)).thenApply(result -> answer(change, args, result));
    }

    /**
     * A step that stays the same keeps the outputs of the state (pulumi/pulumi pkg/resource/deploy/step.go, SameStep
     * Apply: {@code s.new.Outputs = s.old.Outputs}): what the provider returned for the old inputs. They differ from
     * what the new inputs would give when an ignoreChanges path changed (a random id's ignored keeper).
     */
    private ResourceArgs asAnswered(Change change, ResourceArgs args, Registration now) {
        Optional<Registration> found = old(now);
        if (change != Change.SAME || found.isEmpty()) {
            return args;
        }
        return new ResourceArgs(args.type, args.name, found.get().inputs(), args.provider, args.id);
    }

    /** The engine's steps for one registration (GenerateSteps). */
    private Change step(Registration now) {
        Optional<Registration> found = old(now);
        if (found.isEmpty()) {
            ops.add(new Op(Op.Kind.CREATE, now.name()));
            return Change.CREATE;
        }
        Registration old = found.get();
        seenOld.add(old.urn());
        if (condemned.remove(old.name())) {
            // Deleted earlier by another resource's delete-before-replace: it can only be re-created (Case 1).
            ops.add(new Op(Op.Kind.CREATE, now.name()));
            return Change.REPLACE;
        }
        Change change = providerReplaced(now) ? Change.REPLACE : ProviderDiff.diff(old.inputs(), now, now.replaceOnChanges());
        switch (change) {
            case UPDATE -> ops.add(new Op(Op.Kind.UPDATE, now.name()));
            case REPLACE -> replace(old, now);
            default -> {
            }
        }
        return change;
    }

    private void replace(Registration old, Registration now) {
        if (now.protect() && old.protect()) {
            // continueStepsFromDiff: an update stops before any step of it; a preview reports it and goes on, so
            // that the user sees the replacement it refused.
            refuse("unable to replace resource " + quoted(now.urn()) + "\nas it is currently marked for protection. "
                    + "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program "
                    + "and run `pulumi up`", !preview);
            if (!preview) {
                return;
            }
        }
        if (!now.deleteBeforeReplace()) {
            // Create before delete: the old one is deleted with the other deletes at the end.
            ops.add(new Op(Op.Kind.CREATE, now.name()));
            pendingDeletes.add(old.name());
            return;
        }
        List<Registration> dependents = Cascade.dependentReplacements(state, old, registered);
        for (Registration d : dependents) {
            if (d.protect()) {
                refuse("unable to replace resource " + quoted(d.urn()) + " as part of replacing " + quoted(now.urn())
                        + " as it is currently marked for protection", true);
                return;
            }
        }
        for (int i = dependents.size() - 1; i >= 0; i--) {
            ops.add(new Op(Op.Kind.DELETE, dependents.get(i).name()));
            condemned.add(dependents.get(i).name());
        }
        ops.add(new Op(Op.Kind.DELETE, old.name()));
        ops.add(new Op(Op.Kind.CREATE, now.name()));
    }

    private void refuse(String message, boolean bail) {
        errors.add(message);
        bailed |= bail;
    }

    /** A resource whose provider resource is replaced is replaced (step_generator.go, providerChanged and DiffConfig). */
    private boolean providerReplaced(Registration now) {
        return !now.provider().isEmpty() && changes.get(now.provider()) == Change.REPLACE;
    }

    private Optional<Registration> old(Registration now) {
        Registration byUrn = stateByUrn.get(now.urn());
        if (byUrn != null) {
            return Optional.of(byUrn);
        }
        return now.aliases().stream().map(stateByUrn::get).filter(r -> r != null).findFirst();
    }

    private ResourceResult answer(Change change, ResourceArgs args, ResourceResult result) {
        if (!preview) {
            // The command provider draws a new id at each create (pulumi/pulumi-command v1.2.1
            // provider/pkg/provider/remote/commandController.go, Create: resource.NewUniqueHex(name, 8, 0)): a replaced
            // command's id is not the one in the state.
            return change == Change.REPLACE && args.type.startsWith("command:")
                    ? ResourceResult.of(result.id.map(id -> id + "-replaced"), result.state) : result;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> outputs = (Map<String, Object>) result.state;
        return ResourceResult.of(PreviewOutputs.idKnown(change) ? result.id : Optional.empty(),
                PreviewOutputs.known(change, args.inputs, outputs));
    }

    /**
     * The deployment so far and its end: the resources the program did not register are deleted, in reverse order of
     * the state (GenerateDeletes, ScheduleDeletes); a protected one refuses (step.go, DeleteStep: deleteProtectedError).
     */
    public Deployment finish() {
        List<Op> all = new ArrayList<>(ops);
        List<String> errs = new ArrayList<>(errors);
        Map<String, Change> result = new LinkedHashMap<>(changes);
        if (!bailed) {
            List<Registration> reversed = new ArrayList<>(state);
            Collections.reverse(reversed);
            for (Registration r : reversed) {
                if (condemned.contains(r.name())) {
                    // Torn down by a cascade and not registered again: deleted already (GenerateDeletes skips it).
                    result.put(r.name(), Change.DELETE);
                    continue;
                }
                boolean gone = !seenOld.contains(r.urn());
                if (gone && r.protect()) {
                    errs.add("resource " + quoted(r.urn()) + " cannot be deleted\nbecause it is protected");
                } else if (gone || pendingDeletes.contains(r.name())) {
                    all.add(new Op(Op.Kind.DELETE, r.name()));
                    if (gone) {
                        result.put(r.name(), Change.DELETE);
                    }
                }
            }
        }
        return new Deployment(all, result, errs);
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    @Override
    public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
        return providers.callAsync(args);
    }
}
