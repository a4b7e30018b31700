package dev.kubeha.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine does with a resource's {@code ignoreChanges} before it asks the provider for a diff: each path of
 * the new inputs is set back to its value in the old inputs, on update and replace alike
 * (pulumi/pulumi:pkg/resource/deploy/step_generator.go, processIgnoreChanges, over
 * sdk/go/common/resource/properties_path.go, PropertyPath.Reset: secrets are looked through; a path neither side
 * has is left alone; a whole ignored input is the old one). A resource re-created after a delete-before-replace
 * cascade is checked from its new inputs only (continueStepsFromImport, {@code recreating}).
 */
final class IgnoreChanges {
    private IgnoreChanges() {
    }

    /** The new inputs with every ignored path set back to its old value. */
    static Map<String, Object> apply(Map<String, Object> old, Map<String, Object> now, List<String> paths) {
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
        if (now.get(key) instanceof Map<?, ?> next) {
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
}
