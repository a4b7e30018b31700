package dev.kubeha.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The stack's kubeha config as Pulumi hands it to a program: key (without namespace) to string, arrays as JSON,
 * which keys hold secrets, and the problems found while reading it (keys in a near-miss namespace, a key given
 * twice, a malformed key). Comes from the Pulumi engine ({@link EngineConfig}), offline from a Pulumi.STACK.yaml
 * file ({@link StackFile}), or in tests from a map. Values encrypted in a stack file are set but unknown.
 */
public final class RawConfig {
    private final Map<String, String> values;
    private final Set<String> secret;
    private final Set<String> unknown;
    private final List<ConfigError> problems;
    private final List<String> unseen;

    private RawConfig(Map<String, String> values, Set<String> secret, Set<String> unknown, List<ConfigError> problems,
                      List<String> unseen) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.secret = Set.copyOf(secret);
        this.unknown = Set.copyOf(unknown);
        this.problems = List.copyOf(problems);
        this.unseen = List.copyOf(unseen);
    }

    /** Known values, as the mock engine passes them; the keys kubeha keeps secret count as set with --secret. */
    public static RawConfig of(Map<String, String> values) {
        Set<String> secret = new LinkedHashSet<>(values.keySet());
        secret.removeIf(k -> !ProjectSchema.get().key(k).map(ProjectSchema.Key::secret).orElse(false));
        return new RawConfig(values, secret, Set.of(), List.of(), List.of());
    }

    /** Reads every key the program may use through a lookup such as Pulumi's {@code Config::get} (the mock engine). */
    public static RawConfig fromLookup(Set<String> keys, Function<String, Optional<String>> lookup) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : keys) {
            lookup.apply(key).ifPresent(v -> values.put(key, v));
        }
        return of(values);
    }

    /** The config of a stack file (Pulumi.NAME.yaml), read as the Pulumi CLI reads it ({@link StackFile}). */
    public static RawConfig fromStackFile(Path stackFile) throws IOException {
        return StackFile.read(stackFile);
    }

    /**
     * The whole config of a stack, every namespace, as full keys ("kubeha:workers", "aws:region"): keeps the kubeha
     * namespace and reports keys that look meant for it.
     *
     * @param secretKeys  full keys whose values are secrets
     * @param unknownKeys full keys whose values are not known here (encrypted in a stack file)
     * @param problems    what the reader already found (duplicates)
     */
    public static RawConfig fromPulumiConfig(Map<String, String> config, Set<String> secretKeys, Set<String> unknownKeys,
                                             List<ConfigError> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> secret = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        List<ConfigError> found = new ArrayList<>(problems);
        for (Map.Entry<String, String> e : config.entrySet()) {
            String fullKey = e.getKey();
            Optional<String[]> parsed = parseKey(fullKey);
            if (parsed.isEmpty()) {
                found.add(new ConfigError(fullKey, "is not a configuration key; Pulumi's keys are NAMESPACE:NAME, such as "
                        + ProjectSchema.NAMESPACE + ":workers"));
                continue;
            }
            String namespace = parsed.get()[0];
            String name = parsed.get()[1];
            if (namespace.equals(ProjectSchema.NAMESPACE)) {
                values.put(name, e.getValue());
                if (secretKeys.contains(fullKey)) {
                    secret.add(name);
                }
                if (unknownKeys.contains(fullKey)) {
                    unknown.add(name);
                }
            } else if (nearMiss(namespace)) {
                found.add(new ConfigError(fullKey, "namespace '" + namespace + "' is not kubeha's, so the program never"
                        + " reads this key; did you mean " + ProjectSchema.NAMESPACE + ":" + name + "?"));
            }
        }
        return new RawConfig(values, secret, unknown, found, List.of());
    }

    /**
     * Pulumi's key forms: NAMESPACE:NAME, or the old NAMESPACE:config:NAME (pulumi/pulumi
     * sdk/go/common/resource/config/key.go, ParseKey; the Java SDK drops ":config:" too, pulumi/pulumi-java
     * DeploymentImpl.Config cleanKey).
     */
    static Optional<String[]> parseKey(String fullKey) {
        String[] parts = fullKey.split(":", -1);
        if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
            return Optional.of(parts);
        }
        if (parts.length == 3 && parts[1].equals("config") && !parts[0].isEmpty() && !parts[2].isEmpty()) {
            return Optional.of(new String[]{parts[0], parts[2]});
        }
        return Optional.empty();
    }

    /** A namespace one or two edits from kubeha's (kubehaa, kubha, Kubeha): a typo, not another package. */
    static boolean nearMiss(String namespace) {
        String n = namespace.toLowerCase(Locale.ROOT);
        return !namespace.equals(ProjectSchema.NAMESPACE) && Levenshtein.distance(n, ProjectSchema.NAMESPACE) <= 2;
    }

    /** The set value of a key, if any ("" for a value encrypted in a stack file: see {@link #isUnknown}). */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** True when the key's value is a secret (set with --secret, or secure in the stack file). */
    public boolean isSecret(String key) {
        return secret.contains(key);
    }

    /** True when the key is set but its value is not known here (encrypted in a stack file read offline). */
    public boolean isUnknown(String key) {
        return unknown.contains(key);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    /** The same config, with a note on config this reader cannot see (an ESC environment's). */
    RawConfig withUnseen(String note) {
        List<String> notes = new ArrayList<>(unseen);
        notes.add(note);
        return new RawConfig(values, secret, unknown, problems, notes);
    }

    /** Config that was not seen where this was read; its values reach the program under the engine only. */
    public List<String> unseen() {
        return unseen;
    }

    /** What was wrong in the way the config was given (before any key is checked). */
    public List<ConfigError> problems() {
        return problems;
    }
}
