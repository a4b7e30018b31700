package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The config the Pulumi engine hands the program, read whole, every key of every namespace. The Java language host
 * puts it in the program's environment (pulumi/pulumi-java pkg/cmd/pulumi-language-java/main.go, constructEnv):
 * {@code PULUMI_CONFIG}, a JSON object of full key to string value (arrays as JSON text), and
 * {@code PULUMI_CONFIG_SECRET_KEYS}, a JSON array of the full keys whose values are secret. The SDK reads the same two
 * variables (com.pulumi:pulumi 1.36.1, DeploymentImpl.Config parseConfig / parseConfigSecretKeys) but offers no way
 * to list the keys, so a typo could not be found through {@code ctx.config()}.
 */
public final class EngineConfig {
    public static final String CONFIG = "PULUMI_CONFIG";
    public static final String SECRET_KEYS = "PULUMI_CONFIG_SECRET_KEYS";
    /** Set by the language host for every program run (constructEnv "monitor"); the SDK needs it to run at all. */
    public static final String MONITOR = "PULUMI_MONITOR";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EngineConfig() {
    }

    /** True when the Pulumi engine runs this program (outside it the SDK can only fail). */
    public static boolean isEngineRun(Map<String, String> env) {
        return env.get(MONITOR) != null && !env.get(MONITOR).isBlank();
    }

    public static RawConfig read(Map<String, String> env) {
        Map<String, String> config = new LinkedHashMap<>();
        Set<String> secret = new LinkedHashSet<>();
        try {
            JsonNode object = JSON.readTree(Optional.ofNullable(env.get(CONFIG)).filter(s -> !s.isBlank()).orElse("{}"));
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                config.put(cleanKey(e.getKey()), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
            JsonNode keys = JSON.readTree(Optional.ofNullable(env.get(SECRET_KEYS)).filter(s -> !s.isBlank()).orElse("[]"));
            for (JsonNode k : keys) {
                secret.add(cleanKey(k.asText()));
            }
        } catch (IOException e) {
            return RawConfig.fromPulumiConfig(Map.of(), Set.of(), Set.of(), List.of(new ConfigError(CONFIG,
                    "the engine's config is not the JSON the language host writes (" + e.getMessage() + ")")));
        }
        return RawConfig.fromPulumiConfig(config, secret, Set.of(), List.of());
    }

    /** "ns:config:name" is the old form of "ns:name" (DeploymentImpl.Config cleanKey). */
    private static String cleanKey(String key) {
        return RawConfig.parseKey(key).map(p -> p[0] + ":" + p[1]).orElse(key);
    }
}
