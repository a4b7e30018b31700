package dev.kubeha.testing;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.RawConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shipped stacks, for tests. */
public final class Stacks {
    private Stacks() {
    }

    /** The raw config of Pulumi.NAME.yaml, with {@code overrides} (key without namespace to Pulumi string value). */
    public static RawConfig raw(String stack, Map<String, String> overrides) {
        try {
            RawConfig file = RawConfig.fromStackFile(Path.of("Pulumi." + stack + ".yaml"));
            Map<String, String> values = new LinkedHashMap<>();
            for (String key : file.keys()) {
                values.put(key, file.get(key).orElseThrow());
            }
            values.putAll(overrides);
            values.values().removeIf(v -> v == null);
            return RawConfig.of(values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ClusterConfig config(String stack, Map<String, String> overrides) {
        return ClusterConfigParser.parseOrThrow(raw(stack, overrides));
    }

    public static ClusterConfig vagrant() {
        return config("vagrant", Map.of());
    }

    /** The stack as the Pulumi engine would pass it to the program: "kubeha:key" to string. */
    public static Map<String, String> pulumiConfig(RawConfig raw) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : raw.keys()) {
            out.put("kubeha:" + key, raw.get(key).orElseThrow());
        }
        return out;
    }
}
