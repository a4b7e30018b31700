package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Pulumi CLI's rules for project config, applied to a Pulumi.yaml and a stack file before any program runs:
 * a model of pulumi/pulumi, read from its source (HEAD of 2026-08-21), for tests. Secret defaults are refused since
 * v3.203.0 (commit 6dd8a312ca validates after the defaults are merged; before, a default skipped the check).
 * <ul>
 *   <li>the declarations (sdk/go/common/workspace/project.json, {@code configTypeDeclaration}: only type, items,
 *   description, secret, default, value; type one of string, integer, boolean, array, object; and project.go
 *   {@code Project.Validate}: an array needs items, a default must be of the declared type);</li>
 *   <li>the stack against them (pkg/workspace/config.go, {@code mergeConfig}: a declared key of the
 *   project's namespace without a default that the stack does not set is missing; defaults are applied as plain
 *   values; then {@code validateStackConfigValues}: a secret key's value must be encrypted, defaults included, and
 *   every value must be of the declared type, {@code ValidateConfigValue} in project.go).</li>
 * </ul>
 * Values come from {@link PulumiYaml}, which reads YAML as yaml.v3 does; a stack value is what the CLI keeps of it
 * (sdk/go/common/resource/config/value.go): a string for a scalar, JSON for an array or mapping, or secure.
 */
final class PulumiProjectConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> DECLARATION_ATTRIBUTES = Set.of("type", "items", "description", "secret", "default",
            "value");
    private static final Set<String> TYPES = Set.of("string", "integer", "boolean", "array", "object");

    private PulumiProjectConfig() {
    }

    /** The errors the CLI would stop with, in its wording; empty when preview and up get to run the program. */
    static List<String> errors(String projectYaml, String stackName, String stackYaml) throws Exception {
        JsonNode project = PulumiYaml.read(projectYaml).root();
        String projectName = project.path("name").asText();
        List<String> errors = new ArrayList<>(declarationErrors(projectName, project.path("config")));
        if (!errors.isEmpty()) {
            return errors;
        }
        Map<String, StackValue> stack = stackValues(projectName, PulumiYaml.read(stackYaml).root());
        TreeSet<String> missing = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = project.path("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = namespaced(projectName, e.getKey());
            JsonNode decl = e.getValue();
            if (!stack.containsKey(key) && (decl.has("default") || decl.has("value"))) {
                JsonNode d = decl.has("default") ? decl.get("default") : decl.get("value");
                stack.put(key, new StackValue(d.isContainerNode() ? d.toString() : PulumiYaml.engineString(d), false,
                        d.isContainerNode()));
            } else if (!stack.containsKey(key) && key.startsWith(projectName + ":")) {
                missing.add(e.getKey());
            }
        }
        if (!missing.isEmpty()) {
            return List.of("Stack '" + stackName + "' is missing configuration value" + (missing.size() > 1 ? "s " : " ")
                    + formatMissingKeys(List.copyOf(missing)));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = project.path("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode decl = e.getValue();
            StackValue value = stack.get(namespaced(projectName, e.getKey()));
            if (value == null || !decl.has("type")) {
                continue;
            }
            if (decl.path("secret").asBoolean(false) && !value.secure()) {
                errors.add("Stack '" + stackName + "' with configuration key '" + e.getKey() + "' must be encrypted as it's secret");
            } else if (!value.secure() && !valid(decl.path("type").asText(), decl.get("items"),
                    value.object() ? JSON.readTree(value.text()) : JSON.getNodeFactory().textNode(value.text()))) {
                errors.add("Stack '" + stackName + "' with configuration key '" + e.getKey() + "' must be of type '"
                        + typeName(decl.path("type").asText(), decl.get("items")) + "'");
            }
        }
        return errors;
    }

    /** config.go formatMissingKeys: 'a', or 'a' and 'b', or 'a', 'b' and 'c' (sorted). */
    private static String formatMissingKeys(List<String> keys) {
        if (keys.size() == 1) {
            return "'" + keys.get(0) + "'";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            out.append(i == keys.size() - 1 ? "and '" + keys.get(i) + "'" : i == keys.size() - 2 ? "'" + keys.get(i) + "' "
                    : "'" + keys.get(i) + "', ");
        }
        return out.toString();
    }

    /** A stack value as the CLI holds it (config.Value): text, encrypted or not, JSON (object) or not. */
    private record StackValue(String text, boolean secure, boolean object) {
    }

    private static Map<String, StackValue> stackValues(String projectName, JsonNode stack) {
        Map<String, StackValue> values = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = stack.path("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            boolean secure = v.isObject() && v.size() == 1 && v.path("secure").isTextual();
            values.put(namespaced(projectName, e.getKey()), secure ? new StackValue(v.path("secure").asText(), true, false)
                    : new StackValue(v.isContainerNode() ? v.toString() : PulumiYaml.engineString(v), false, v.isContainerNode()));
        }
        return values;
    }

    private static List<String> declarationErrors(String projectName, JsonNode config) {
        List<String> errors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode decl = e.getValue();
            if (!decl.isObject()) {
                continue;  // the shorthand "key: value" is a default (RewriteShorthandConfigValues)
            }
            decl.fieldNames().forEachRemaining(a -> {
                if (!DECLARATION_ATTRIBUTES.contains(a)) {
                    errors.add("#/config/" + key + ": additionalProperties '" + a + "' not allowed");
                }
            });
            String type = decl.path("type").asText(null);
            if (decl.has("default") && decl.has("value")) {
                errors.add("project config '" + key + "' cannot have both a 'default' and 'value' attribute");
            } else if (type == null) {
                continue;  // untyped: no type checks (IsExplicitlyTyped)
            } else if (!TYPES.contains(type)) {
                errors.add("#/config/" + key + "/type: value must be one of 'string', 'integer', 'boolean', 'array', 'object'");
            } else if (type.equals("array") && !decl.has("items")) {
                errors.add("The configuration key '" + key + "' declares an array but does not specify the underlying type"
                        + " via the 'items' attribute");
            } else if (key.contains(":") && !key.startsWith(projectName + ":")) {
                errors.add("Configuration key '" + key + "' is not namespaced by the project and should not define a type");
            } else if (decl.has("default") && !valid(type, decl.get("items"), decl.get("default"))) {
                errors.add("The default value specified for configuration key '" + key + "' is not of the expected type '"
                        + typeName(type, decl.get("items")) + "'");
            }
        }
        return errors;
    }

    /** project.go ValidateConfigValue, over the Go values yaml.v3 or encoding/json decode (numbers: int or float64). */
    static boolean valid(String type, JsonNode items, JsonNode value) {
        switch (type) {
            case "string" -> {
                return value.isTextual();
            }
            case "integer" -> {
                if (value.isIntegralNumber() || (value.isDouble() && value.doubleValue() == Math.rint(value.doubleValue()))) {
                    return true;
                }
                return value.isTextual() && value.asText().matches("[+-]?[0-9]+")
                        && new java.math.BigInteger(value.asText()).bitLength() < 64;  // strconv.Atoi
            }
            case "boolean" -> {
                return value.isBoolean() || (value.isTextual() && (value.asText().equals("true") || value.asText().equals("false")));
            }
            case "object" -> {
                return value.isObject();
            }
            default -> {
                if (!value.isArray() || items == null) {
                    return false;
                }
                for (JsonNode item : value) {
                    if (!valid(items.path("type").asText(), items.get("items"), item)) {
                        return false;
                    }
                }
                return true;
            }
        }
    }

    private static String typeName(String type, JsonNode items) {
        return items == null ? type : "array<" + typeName(items.path("type").asText(), items.get("items")) + ">";
    }

    /** config.go parseConfigKey: a key without a namespace is the project's. */
    private static String namespaced(String projectName, String key) {
        return key.contains(":") ? key : projectName + ":" + key;
    }
}
