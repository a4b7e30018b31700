package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every config key of the kubeha namespace, with its type, default and secrecy: the keys declared in Pulumi.yaml
 * (the one place where defaults live: the build copies it onto the classpath and the program reads it from there),
 * and the optional secrets below.
 *
 * <p>The optional secrets are kept out of Pulumi.yaml on purpose. The engine makes every declared key of the
 * project's namespace without a default required ("Stack 'x' is missing configuration value ..."), and it checks
 * every declared secret key, defaults included, for an encrypted value ("... must be encrypted as it's secret"), so a
 * declared secret can be neither optional nor defaulted (pulumi/pulumi pkg/workspace/config.go, mergeConfig
 * and validateStackConfigValues). Undeclared keys are allowed and passed to the program like the others.
 */
public final class ProjectSchema {
    public static final String NAMESPACE = "kubeha";
    private static final String RESOURCE = "/dev/kubeha/config/Pulumi.yaml";

    /** Secrets a stack may set (with --secret) or leave out. Known to the program from here only. */
    static final List<Key> OPTIONAL_SECRETS = List.of(
            new Key("sshPrivateKey", "string", Optional.empty(), true, false,
                    "SSH private key for existing hosts, as a secret: pulumi config set --secret sshPrivateKey < key."),
            new Key("keepalivedAuthPassword", "string", Optional.empty(), true, false,
                    "VRRPv2 auth_pass (at most 8 characters), as a secret. Generated when unset. Not used with VRRPv3."));

    /**
     * Declared keys a stack may also set with --secret, because kubeha keeps their values secret whenever they are
     * set: a box URL may carry credentials (Machines makes the VM command's stdin and triggers secret then).
     */
    static final Set<String> KEPT_SECRET_WHEN_SET = Set.of("vagrantBoxUrl");

    /** Whether a value set with --secret stays secret in kubeha: a secret key, or one it keeps secret when set. */
    public boolean mayBeSecret(String key) {
        return KEPT_SECRET_WHEN_SET.contains(key) || key(key).map(Key::secret).orElse(false);
    }

    /**
     * A key: its Pulumi type (string, integer, boolean, array), default (if any), secrecy, and whether Pulumi.yaml
     * declares it (the engine checks only declared keys).
     */
    public record Key(String name, String type, Optional<JsonNode> defaultValue, boolean secret, boolean declared,
                      String description) {
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
            return parse(PulumiYaml.read(new String(in.readAllBytes(), StandardCharsets.UTF_8)).root());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        } catch (PulumiYaml.SyntaxException e) {
            throw new IllegalStateException("Pulumi.yaml: " + e.getMessage(), e);
        }
    }

    /** The keys of a project document (as {@link PulumiYaml} reads it) plus {@link #OPTIONAL_SECRETS}. */
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
                    true,
                    decl.path("description").asText("")));
        }
        for (Key secret : OPTIONAL_SECRETS) {
            if (keys.putIfAbsent(secret.name(), secret) != null) {
                throw new IllegalStateException("Pulumi.yaml declares " + secret.name() + ", an optional secret: the engine"
                        + " would require it in every stack; keep it in ProjectSchema.OPTIONAL_SECRETS only");
            }
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
