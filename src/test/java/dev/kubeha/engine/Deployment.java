package dev.kubeha.engine;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the engine would do in one {@code pulumi preview} or {@code pulumi up}: the operations in order, the change
 * for each resource, and the errors that refuse it (a refusal in an update stops it before the refused step).
 */
public record Deployment(List<Op> ops, Map<String, Change> changes, List<String> errors) {

    /** Names of the resources with this change. */
    public Set<String> with(Change change) {
        Set<String> names = new TreeSet<>();
        changes.forEach((name, c) -> {
            if (c == change) {
                names.add(name);
            }
        });
        return names;
    }

    /** Every resource whose delete runs: deleted, or replaced (its delete, then its create). */
    public Set<String> deleted() {
        Set<String> names = new TreeSet<>();
        ops.stream().filter(o -> o.kind() == Op.Kind.DELETE).forEach(o -> names.add(o.name()));
        return names;
    }

    /** The operations on these resources, in order. */
    public List<Op> opsOn(Set<String> names) {
        return ops.stream().filter(o -> names.contains(o.name())).toList();
    }

    /** Every resource the deployment changes (anything but same). */
    public Set<String> touched() {
        Set<String> names = new TreeSet<>();
        changes.forEach((name, c) -> {
            if (c != Change.SAME) {
                names.add(name);
            }
        });
        return names;
    }
}
