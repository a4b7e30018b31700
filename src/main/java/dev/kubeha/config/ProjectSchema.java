package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The config keys declared in Pulumi.yaml, with their types and defaults. Pulumi.yaml is the one place where
 * defaults live: the build copies it onto the classpath and the program reads it from there.
 */
public final class ProjectSchema {
    public static final String NAMESPACE = "kubeha";
    private static final String RESOURCE = "/dev/kubeha/config/Pulumi.yaml";

    /** A declared key: its Pulumi type (string, integer, boolean, array), default (if any) and secrecy. */
    public record Key(String name, String type, Optional<JsonNode> defaultValue, boolean secret, String description) {
    }

    private final Map<String, Key> keys;

    private ProjectSchema(Map<String, Key> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    private static final class Holder {
        static final ProjectSchema INSTANCE = load();
    }

    /** The schema of the Pulumi.yaml that was built into this program. */
    public static ProjectSchema get() {
        return Holder.INSTANCE;
    }

    private static ProjectSchema load() {
        try (InputStream in = ProjectSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Pulumi.yaml is not on the classpath at " + RESOURCE);
            }
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    static ProjectSchema parse(JsonNode project) {
        Map<String, Key> keys = new LinkedHashMap<>();
        JsonNode config = project.path("config");
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode decl = e.getValue();
            keys.put(e.getKey(), new Key(
                    e.getKey(),
                    decl.path("type").asText("string"),
                    Optional.ofNullable(decl.get("default")),
                    decl.path("secret").asBoolean(false),
                    decl.path("description").asText("")));
        }
        return new ProjectSchema(keys);
    }

    public Map<String, Key> keys() {
        return keys;
    }

    public Optional<Key> key(String name) {
        return Optional.ofNullable(keys.get(name));
    }
}
