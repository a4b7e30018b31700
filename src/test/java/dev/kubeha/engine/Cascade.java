package dev.kubeha.engine;

import dev.kubeha.plan.Recorder.Registration;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resources a delete-before-replace tears down before the replaced one, in dependency order (the engine deletes
 * them in reverse): pulumi/pulumi:pkg/resource/deploy/step_generator.go, calculateDependentReplacements, over
 * pkg/resource/graph/dependency_graph.go, DependingOn (without children).
 *
 * <p>Every resource registered after the root in the old state that depends on it, directly or through another
 * dependent, by dependsOn, a property dependency or its provider, is a candidate; a candidate is torn down when its
 * provider is torn down, or when the provider's Diff, with every input whose value came from a torn-down resource
 * made unknown, asks for a replacement. Candidates already registered in this deployment are skipped (they cannot
 * depend on the root).
 */
final class Cascade {
    private Cascade() {
    }

    static List<Registration> dependentReplacements(List<Registration> state, Registration root, Set<String> registered) {
        List<Registration> toReplace = new ArrayList<>();
        Set<String> replaceSet = new HashSet<>(Set.of(root.name()));
        Set<String> dependentSet = new HashSet<>(Set.of(root.name()));
        for (Registration candidate : state.subList(state.indexOf(root) + 1, state.size())) {
            if (registered.contains(candidate.name()) || !dependsOnAny(candidate, dependentSet)) {
                continue;
            }
            dependentSet.add(candidate.name());
            if (requiresReplacement(candidate, replaceSet)) {
                toReplace.add(candidate);
                replaceSet.add(candidate.name());
            }
        }
        return toReplace;
    }

    private static boolean dependsOnAny(Registration r, Set<String> names) {
        return names.contains(r.provider()) || r.dependencies().stream().anyMatch(names::contains)
                || r.propertyDependencies().values().stream().flatMap(List::stream).anyMatch(names::contains);
    }

    private static boolean requiresReplacement(Registration r, Set<String> replaceSet) {
        if (!r.custom()) {
            return false;
        }
        if (replaceSet.contains(r.provider())) {
            return true;
        }
        Set<String> unknown = new TreeSet<>();
        r.propertyDependencies().forEach((key, from) -> {
            if (from.stream().anyMatch(replaceSet::contains)) {
                unknown.add(key);
            }
        });
        if (unknown.isEmpty()) {
            return false;
        }
        // The provider's Diff with the resource's ignoreChanges and replaceOnChanges, as for any diff since
        // pulumi/pulumi#19188 (step_generator.go, requiresReplacement: diffResource(..., r.IgnoreChanges) and
        // applyReplaceOnChanges(diff, r.ReplaceOnChanges, false)); the command provider also resets an ignored input
        // to its state (pulumi/pulumi-go-provider v1.3.0:infer/resource.go, diff).
        return ProviderDiff.diff(r.inputs(), withUnknown(r, unknown), r.replaceOnChanges()) == Change.REPLACE;
    }

    private static Registration withUnknown(Registration r, Set<String> unknown) {
        return new Registration(r.type(), r.name(), r.parent(), r.dependencies(), r.additionalSecretOutputs(),
                r.replaceOnChanges(), r.version(), r.deleteBeforeReplace(), r.propertyDependencies(),
                r.inputs(), r.secretInputs(), r.custom(), r.protect(), r.provider(), unknown, r.urn(),
                r.aliases(), r.ignoreChanges());
    }
}
