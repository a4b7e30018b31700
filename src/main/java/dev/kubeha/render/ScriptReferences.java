package dev.kubeha.render;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Scripts by reference while the offline plan records the program. The Pulumi SDK formats every registration request,
 * the text of every input included, into a debug message before it hands the request on, whatever the log level
 * (com.pulumi:pulumi 1.36.1, pulumi/pulumi-java sdk/java/pulumi/src/main/java/com/pulumi/deployment/internal/
 * DeploymentImpl.java, RegisterResource: "Registering resource monitor start: ... request=%s"): a plan of 500 workers
 * spent nine tenths of its time writing its scripts out as protobuf text nobody reads. While a plan records, each
 * command's script enters the request as a short reference, and the recorder puts the text back into what it records
 * ({@link #resolved}), so the plan sees every script whole. Outside a plan (pulumi up, preview) nothing changes.
 */
public final class ScriptReferences {
    private static final String PREFIX = "kubeha-plan-script-";
    private static final AtomicLong COUNTER = new AtomicLong();
    private static volatile Map<String, String> recording;

    private ScriptReferences() {
    }

    /** Runs {@code body} (one plan's recording; plans run one at a time) with scripts by reference. */
    public static synchronized <T> T whileRecording(Supplier<T> body) {
        recording = new ConcurrentHashMap<>();
        try {
            return body.get();
        } finally {
            recording = null;
        }
    }

    /** The script itself, or while a plan records, a reference to it. */
    public static String of(String script) {
        Map<String, String> scripts = recording;
        if (scripts == null) {
            return script;
        }
        String reference = PREFIX + COUNTER.incrementAndGet();
        scripts.put(reference, script);
        return reference;
    }

    /** The inputs with each reference replaced by its script (the same map when there is none). */
    public static Map<String, Object> resolved(Map<String, Object> inputs) {
        Map<String, String> scripts = recording;
        if (scripts == null) {
            return inputs;
        }
        Map<String, Object> resolved = new LinkedHashMap<>(inputs);
        resolved.replaceAll((key, value) -> value instanceof String s && s.startsWith(PREFIX) ? scripts.getOrDefault(s, s) : value);
        return resolved;
    }
}
