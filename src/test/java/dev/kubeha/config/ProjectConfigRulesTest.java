package dev.kubeha.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pulumi.yaml with each shipped stack passes the Pulumi CLI's project-config rules ({@link PulumiProjectConfig},
 * modelled on pulumi/pulumi pkg/workspace/config.go mergeConfig and validateStackConfigValues, project.go
 * Validate and ValidateConfigValue, project.json), so `pulumi preview` and `up` get as far as running the program.
 */
class ProjectConfigRulesTest {
    static final String PROJECT = """
            name: p
            runtime: java
            config:
            """;

    static List<String> errors(String declarations, String stackConfig) throws Exception {
        return PulumiProjectConfig.errors(PROJECT + declarations, "dev", "config:\n" + stackConfig);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vagrant", "existing"})
    void theProjectWithEachShippedStackPassesTheEnginesRules(String stack) throws Exception {
        assertEquals(List.of(), PulumiProjectConfig.errors(Files.readString(Path.of("Pulumi.yaml")), stack,
                Files.readString(Path.of("Pulumi." + stack + ".yaml"))));
    }

    @Test
    void theOptionalSecretsAreKnownToTheProgramButNotDeclared() throws Exception {
        String pulumiYaml = Files.readString(Path.of("Pulumi.yaml"));
        for (ProjectSchema.Key k : ProjectSchema.OPTIONAL_SECRETS) {
            assertTrue(ProjectSchema.get().key(k.name()).orElseThrow().secret(), k.name());
            assertFalse(ProjectSchema.get().key(k.name()).orElseThrow().declared(), k.name());
            assertFalse(pulumiYaml.contains("\n  " + k.name() + ":"), k.name() + " is declared in Pulumi.yaml");
        }
        // Declaring one makes every stack without it fail, and a default would be refused as not encrypted.
        assertEquals(List.of("Stack 'dev' is missing configuration value 'sshPrivateKey'"),
                errors("  sshPrivateKey:\n    type: string\n    secret: true\n", ""));
        assertEquals(List.of("Stack 'dev' with configuration key 'sshPrivateKey' must be encrypted as it's secret"),
                errors("  sshPrivateKey:\n    type: string\n    secret: true\n    default: \"\"\n", ""));
        assertEquals(List.of(), errors("  sshPrivateKey:\n    type: string\n    secret: true\n",
                "  p:sshPrivateKey:\n    secure: v1:abc\n"));
    }

    @Test
    void aKeyWithoutDefaultIsRequiredInTheProjectsNamespaceOnly() throws Exception {
        assertEquals(List.of("Stack 'dev' is missing configuration values 'a' and 'b'"),
                errors("  b:\n    type: string\n  a:\n    type: integer\n  c:\n    type: string\n    default: x\n", ""));
        assertEquals(List.of(), errors("  a:\n    type: string\n", "  a: set-without-namespace\n"));
    }

    @Test
    void stackValuesMustMatchTheDeclaredType() throws Exception {
        String decl = """
                  n:
                    type: integer
                  b:
                    type: boolean
                  s:
                    type: string
                  l:
                    type: array
                    items:
                      type: string
                """;
        assertEquals(List.of(), errors(decl, "  p:n: 24\n  p:b: false\n  p:s: 24\n  p:l: [a, b]\n"));
        assertEquals(List.of(), errors(decl, "  p:n: \"24\"\n  p:b: \"true\"\n  p:s: text\n  p:l: []\n"));
        assertEquals(List.of(
                        "Stack 'dev' with configuration key 'b' must be of type 'boolean'",
                        "Stack 'dev' with configuration key 'l' must be of type 'array<string>'",
                        "Stack 'dev' with configuration key 'n' must be of type 'integer'",
                        "Stack 'dev' with configuration key 's' must be of type 'string'"),
                errors(decl, "  p:n: 2.5\n  p:b: yes\n  p:s: [x]\n  p:l: [1, 2]\n").stream().sorted().toList());
    }

    /** Values of the wrong type for each declared type, as written in a stack file. */
    static final Map<String, List<String>> WRONG = Map.of(
            "string", List.of("[x]", "{a: b}"),
            "integer", List.of("2.5", "abc", "[1]", "yes"),
            "boolean", List.of("yes", "\"True\"", "1", "[true]"),
            "array", List.of("'[\"a=192.168.56.9\"]'", "[1, 2]", "k8s-worker1=192.168.56.20"));

    @Test
    void validateRefusesEveryValueOfAWrongTypeThatTheEngineRefuses() throws Exception {
        String project = Files.readString(Path.of("Pulumi.yaml"));
        String vagrant = Files.readString(Path.of("Pulumi.vagrant.yaml"));
        int checked = 0;
        for (ProjectSchema.Key k : ProjectSchema.get().keys().values()) {
            if (!k.declared()) {
                continue;
            }
            for (String wrong : WRONG.get(k.type())) {
                String stack = vagrant.replaceAll("(?m)^  kubeha:" + k.name() + ":.*\n(    - .*\n)*", "")
                        + "  kubeha:" + k.name() + ": " + wrong + "\n";
                assertFalse(PulumiProjectConfig.errors(project, "vagrant", stack).isEmpty(), k.name() + ": " + wrong);
                List<ConfigError> ours = ClusterConfigParser.parse(StackFile.parse("Pulumi.vagrant.yaml", stack)).errors();
                assertTrue(ours.stream().anyMatch(e -> e.path().startsWith("kubeha:" + k.name())),
                        "the engine refuses kubeha:" + k.name() + ": " + wrong + ", validate said " + ours);
                checked++;
            }
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void declarationsFollowTheProjectSchema() throws Exception {
        assertEquals(List.of("The configuration key 'l' declares an array but does not specify the underlying type via"
                + " the 'items' attribute"), errors("  l:\n    type: array\n", ""));
        assertEquals(List.of("The default value specified for configuration key 'v' is not of the expected type 'string'"),
                errors("  v:\n    type: string\n    default: 1.31\n", ""));
        assertEquals(List.of("#/config/v: additionalProperties 'required' not allowed"),
                errors("  v:\n    type: string\n    default: x\n    required: true\n", ""));
        assertEquals(List.of("#/config/v/type: value must be one of 'string', 'integer', 'boolean', 'array', 'object'"),
                errors("  v:\n    type: number\n    default: 1\n", ""));
    }

}
