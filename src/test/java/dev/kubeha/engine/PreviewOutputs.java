package dev.kubeha.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which outputs a provider leaves unknown in a preview (a value the mock does not return stays unknown in the SDK's
 * dry run). A command has no WireDependencies in v1.2.1, so every output depends on every input
 * (pulumi/pulumi-go-provider v1.3.0:infer/resource.go, ExplicitDependencies and markComputed): on a create, and on
 * an update with any changed or unknown input, each output that does not mirror an input (stdout, stderr) is
 * unknown. A bridged random resource's result is unknown until created. An id is unknown until created.
 */
final class PreviewOutputs {
    private PreviewOutputs() {
    }

    /** The state to return for a resource the deployment will change this way, in a preview. */
    static Map<String, Object> known(Change change, Map<String, Object> inputs, Map<String, Object> outputs) {
        if (change == Change.SAME) {
            return outputs;
        }
        Map<String, Object> known = new LinkedHashMap<>();
        outputs.forEach((key, value) -> {
            if (inputs.containsKey(key) && java.util.Objects.equals(inputs.get(key), value)) {
                known.put(key, value);
            }
        });
        return known;
    }

    /** Whether the id is known in a preview: only for a resource that exists and stays. */
    static boolean idKnown(Change change) {
        return change == Change.SAME || change == Change.UPDATE;
    }
}
