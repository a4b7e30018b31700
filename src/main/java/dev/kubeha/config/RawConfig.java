package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The stack's kubeha config as Pulumi hands it to a program: key (without namespace) to string, arrays as JSON.
 * Comes from the Pulumi engine or, offline, from a Pulumi.STACK.yaml file. Encrypted values read from a file are
 * present but unknown.
 */
public final class RawConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> values;
    private final Set<String> encrypted;

    public RawConfig(Map<String, String> values, Set<String> encrypted) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.encrypted = Set.copyOf(encrypted);
    }

    public static RawConfig of(Map<String, String> values) {
        return new RawConfig(values, Set.of());
    }

    /** Reads every key the program may use through a lookup such as Pulumi's {@code Config::get}. */
    public static RawConfig fromLookup(Set<String> keys, Function<String, Optional<String>> lookup) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : keys) {
            lookup.apply(key).ifPresent(v -> values.put(key, v));
        }
        return of(values);
    }

    /** Reads the kubeha keys of a stack file (Pulumi.NAME.yaml), the way the Pulumi CLI passes them on. */
    public static RawConfig fromStackFile(Path stackFile) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(stackFile));
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> encrypted = new LinkedHashSet<>();
        JsonNode config = root == null ? null : root.get("config");
        if (config != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String prefix = ProjectSchema.NAMESPACE + ":";
                if (!e.getKey().startsWith(prefix)) {
                    continue;
                }
                String key = e.getKey().substring(prefix.length());
                JsonNode v = e.getValue();
                if (v.isObject() && v.has("secure")) {
                    encrypted.add(key);
                    values.put(key, "");
                } else {
                    values.put(key, v.isValueNode() ? v.asText() : JSON.writeValueAsString(v));
                }
            }
        }
        return new RawConfig(values, encrypted);
    }

    /** The set value of a key, if any. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** True when the key was read encrypted from a stack file: set, but its value is not known here. */
    public boolean isEncrypted(String key) {
        return encrypted.contains(key);
    }

    public Set<String> keys() {
        return values.keySet();
    }
}
