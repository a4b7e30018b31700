package dev.kubeha.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Pulumi.STACK.yaml read offline as the Pulumi CLI reads it (pulumi/pulumi sdk/go/common/workspace/loaders.go,
 * LoadProjectStackBytes): YAML with yaml.v3's rules ({@link PulumiYaml}), a key given twice refused, a key without a
 * namespace put in the project's ({@code stackConfigNamespacedWithProject}), {@code {secure: ...}} values encrypted
 * (sdk/go/common/resource/config/value.go). Config from an ESC {@code environment:} is not seen here.
 */
public final class StackFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StackFile() {
    }

    public static RawConfig read(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readString(file));
    }

    /** @param name the file's name, for messages */
    public static RawConfig parse(String name, String text) {
        List<ConfigError> problems = new ArrayList<>();
        PulumiYaml.Document doc;
        try {
            doc = PulumiYaml.read(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (PulumiYaml.SyntaxException e) {
            return RawConfig.fromPulumiConfig(Map.of(), Set.of(), Set.of(),
                    List.of(new ConfigError(name, "is not valid YAML: " + e.getMessage().replace('\n', ' '))));
        }
        for (PulumiYaml.Duplicate d : doc.duplicates()) {
            problems.add(new ConfigError(where(name, d), "is given twice in " + name + " (lines " + d.firstLine() + " and "
                    + d.line() + "); Pulumi refuses the file, keep one"));
        }
        Map<String, String> config = new LinkedHashMap<>();
        Set<String> secret = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        JsonNode root = doc.root();
        if (root != null && !root.isObject()) {
            problems.add(new ConfigError(name, "must be a YAML mapping with a config: section"));
            root = null;
        }
        JsonNode section = root == null ? null : root.get("config");
        if (section != null && !section.isNull() && !section.isObject()) {
            problems.add(new ConfigError(name, "config: must be a mapping of KEY: VALUE"));
            section = null;
        }
        Map<String, Integer> lineOf = new HashMap<>();
        if (section != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = fullKey(e.getKey());
                int line = doc.line(List.of("config", e.getKey())).orElse(0);
                Integer first = lineOf.putIfAbsent(key, line);
                if (first != null) {
                    problems.add(new ConfigError(key, "is given twice in " + name + " (lines " + first + " and " + line
                            + ", with and without the namespace); keep one"));
                    continue;
                }
                JsonNode v = e.getValue();
                shapeProblem(key, v).ifPresent(problems::add);
                if (isSecure(v)) {
                    config.put(key, "");
                    secret.add(key);
                    unknown.add(key);
                } else if (v.isContainerNode()) {
                    config.put(key, json(v));
                    if (hasSecure(v)) {
                        secret.add(key);
                        unknown.add(key);
                    }
                } else {
                    config.put(key, PulumiYaml.engineString(v));
                }
            }
        }
        RawConfig raw = RawConfig.fromPulumiConfig(config, secret, unknown, problems);
        JsonNode environment = root == null ? null : root.get("environment");
        if (environment != null && !environment.isNull()) {
            raw = raw.withUnseen(name + ": environment: " + environment + ": config from ESC environments is not seen"
                    + " offline; pulumi up merges it in (values in this file win) and the program checks it");
        }
        return raw;
    }

    /** The duplicate's path: the config key (and where in its value), or the file for a top-level key. */
    private static String where(String name, PulumiYaml.Duplicate d) {
        List<String> path = new ArrayList<>(d.path());
        path.add(d.key());
        if (path.size() == 1 || !path.get(0).equals("config")) {
            return name + ": " + String.join(".", path);
        }
        return fullKey(path.get(1)) + String.join("", path.subList(2, path.size()).stream().map(p -> "." + p).toList());
    }

    /**
     * A value of another shape than its declared type: the CLI refuses it before the program runs ("Stack ... with
     * configuration key ... must be of type ...", pulumi/pulumi pkg/workspace/config.go
     * validateStackConfigValue), while its text could pass the program's own checks. Scalars of the wrong kind
     * ("abc" for an integer) are left to the program's checks, which are as strict; encrypted values cannot be seen.
     */
    private static Optional<ConfigError> shapeProblem(String fullKey, JsonNode v) {
        Optional<ProjectSchema.Key> key = fullKey.startsWith(ProjectSchema.NAMESPACE + ":")
                ? ProjectSchema.get().key(fullKey.substring(ProjectSchema.NAMESPACE.length() + 1)).filter(ProjectSchema.Key::declared)
                : Optional.empty();
        if (key.isEmpty() || isSecure(v)) {
            return Optional.empty();
        }
        boolean array = key.get().type().equals("array");
        if (!array && v.isContainerNode()) {
            return Optional.of(new ConfigError(fullKey, "must be a single value, not a list or mapping (Pulumi: must be of"
                    + " type '" + key.get().type() + "')"));
        }
        if (array && !v.isArray() && v.isTextual() && v.asText().trim().startsWith("[")) {
            return Optional.of(new ConfigError(fullKey, "must be a YAML list, not a string (Pulumi: must be of type"
                    + " 'array<string>')"));
        }
        return Optional.empty();
    }

    /** A key without a namespace belongs to the project's (loaders.go, stackConfigNamespacedWithProject). */
    private static String fullKey(String key) {
        return key.contains(":") ? key : ProjectSchema.NAMESPACE + ":" + key;
    }

    /** {@code {secure: "v1:..."}}: a mapping of exactly that one string (value.go, isSecureValue). */
    private static boolean isSecure(JsonNode v) {
        return v.isObject() && v.size() == 1 && v.path("secure").isTextual();
    }

    private static boolean hasSecure(JsonNode v) {
        if (isSecure(v)) {
            return true;
        }
        for (JsonNode child : v) {
            if (hasSecure(child)) {
                return true;
            }
        }
        return false;
    }

    private static String json(JsonNode v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
