package dev.kubeha.testing;

import dev.kubeha.plan.Recorder.Registration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the Pulumi engine does with a resource registered again with other inputs, modelled from its source:
 * the {@code ignoreChanges} paths of the new inputs are set back to their old values, on update and replace alike
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, processIgnoreChanges, and
 * sdk/go/common/resource/properties_path.go, PropertyPath.Reset: secrets are looked through; a path neither side
 * has is left alone); then the provider diffs the old inputs against those: no change, an update, or a replace
 * when a changed key is one the schema or the {@code replaceOnChanges} option replaces on (pulumi/pulumi-go-provider
 * v1.3.0 infer: the command provider's {@code triggers} carry {@code provider:"replaceOnChanges"},
 * pulumi/pulumi-command provider/pkg/provider/common/inputs.go). For a command, an update runs {@code update} or
 * else {@code create}; a replace runs the old {@code delete} and then {@code create} ({@link CommandProvider}).
 */
public final class EngineDiff {
    /** Keys a command resource is replaced on (its schema's replaceOnChanges). */
    private static final Set<String> COMMAND_REPLACE_ON = Set.of("triggers");

    public enum Change { NONE, UPDATE, REPLACE }

    private EngineDiff() {
    }

    public static Change diff(Registration old, Registration now) {
        Map<String, Object> news = ignoreChanges(old.inputs(), now.inputs(), now.ignoreChanges());
        Change change = Change.NONE;
        for (String key : union(old.inputs().keySet(), news.keySet())) {
            if (!Objects.equals(old.inputs().get(key), news.get(key))) {
                boolean replaces = now.replaceOnChanges().contains(key)
                        || (now.type().startsWith("command:") && COMMAND_REPLACE_ON.contains(key));
                change = replaces ? Change.REPLACE : Change.UPDATE;
                if (replaces) {
                    break;
                }
            }
        }
        return change;
    }

    /** The new inputs with every ignored path set back to its old value (PropertyPath.Reset). */
    static Map<String, Object> ignoreChanges(Map<String, Object> old, Map<String, Object> now, List<String> paths) {
        Map<String, Object> result = deepCopy(now);
        for (String path : paths) {
            reset(List.of(path.split("\\.")), old, result);
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static void reset(List<String> path, Map<String, Object> old, Map<String, Object> now) {
        String key = path.get(0);
        if (path.size() == 1) {
            if (old != null && old.containsKey(key)) {
                now.put(key, old.get(key));
            } else {
                now.remove(key);
            }
            return;
        }
        Object o = old == null ? null : old.get(key);
        Object n = now.get(key);
        if (n instanceof Map<?, ?> next) {
            reset(path.subList(1, path.size()), o instanceof Map<?, ?> m ? (Map<String, Object>) m : null,
                    (Map<String, Object>) next);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m) : v));
        return copy;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
