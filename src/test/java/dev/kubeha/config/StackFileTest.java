package dev.kubeha.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stack file read offline gives the program what the Pulumi CLI would, and refuses what the CLI refuses. */
class StackFileTest {
    static final String NODES = """
              kubeha:vip: 192.168.56.100
              kubeha:loadBalancers: [lb1=192.168.56.5, lb2=192.168.56.6]
              kubeha:controlPlaneNodes: [cp1=192.168.56.10]
            """;

    static RawConfig read(String config) {
        return StackFile.parse("Pulumi.dev.yaml", "config:\n" + config);
    }

    static List<String> errors(String config) {
        return ClusterConfigParser.parse(read(NODES + config)).errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void scalarsArriveAsTheEngineHandsThemToTheProgram() {
        // yaml.v3 resolves, the CLI encodes again and reads a string (loaders.go, value.go): these are what the program gets.
        RawConfig raw = read("""
                  kubeha:kubernetesVersion: 1.30
                  kubeha:vipPrefixLength: 0x18
                  kubeha:firewall: yes
                  kubeha:bastionHost:
                  kubeha:sshUser: ~
                  kubeha:clusterName: "1.30"
                  kubeha:haproxyStatsPort: 8_404
                  kubeha:apiPort: 0o14113
                """);
        assertEquals("1.3", raw.get("kubernetesVersion").orElseThrow());
        assertEquals("24", raw.get("vipPrefixLength").orElseThrow());
        assertEquals("yes", raw.get("firewall").orElseThrow(), "YAML 1.2: yes is a string, not true");
        assertEquals("", raw.get("bastionHost").orElseThrow(), "an empty value is \"\" to Pulumi, not \"null\"");
        assertEquals("", raw.get("sshUser").orElseThrow());
        assertEquals("1.30", raw.get("clusterName").orElseThrow());
        assertEquals("8404", raw.get("haproxyStatsPort").orElseThrow());
        assertEquals("6219", raw.get("apiPort").orElseThrow());
    }

    @Test
    void floatsAreWrittenBackAsGoWritesThem() {
        // strconv.FormatFloat(f, 'g', -1, 64), as yaml.v3's encoder writes a float (encode.go floatv).
        assertEquals(List.of("1.3", "100000", "1e+06", "1.234567e+06", "0.0001", "1e-05", "-2.5", ".inf", ".nan"),
                List.of(1.3, 100000.0, 1e6, 1234567.0, 0.0001, 0.00001, -2.5, Double.POSITIVE_INFINITY, Double.NaN)
                        .stream().map(PulumiYaml::goFloat).toList());
    }

    @Test
    void anUnquotedVersionThatLostItsZeroSaysSo() {
        List<String> errors = errors("  kubeha:kubernetesVersion: 1.30\n");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("kubeha:kubernetesVersion: '1.3' is not supported")
                && errors.get(0).endsWith("(YAML reads an unquoted 1.30 as the number 1.3: quote it, \"1.30\")"), errors.get(0));
        assertEquals(List.of(), errors("  kubeha:kubernetesVersion: \"1.30\"\n"));
    }

    @Test
    void aBooleanWrittenAsYesIsRefusedAsUnderTheEngine() {
        assertTrue(errors("  kubeha:firewall: yes\n").contains(
                "kubeha:firewall: 'yes' is not true or false (YAML's yes, no, on and off are strings to Pulumi)"));
        assertTrue(errors("  kubeha:firewall: \"True\"\n").stream().anyMatch(e -> e.startsWith("kubeha:firewall:")));
        assertEquals(List.of(), errors("  kubeha:firewall: True\n"), "a plain True is a YAML boolean: \"true\"");
    }

    @Test
    void aKeyGivenTwiceIsRefusedWithBothLines() {
        List<String> errors = errors("  kubeha:workers: [w1=192.168.56.20]\n  kubeha:workers: []\n");
        assertTrue(errors.contains("kubeha:workers: is given twice in Pulumi.dev.yaml (lines 5 and 6); Pulumi refuses the"
                + " file, keep one"), errors.toString());
        assertTrue(errors("  workers: []\n  kubeha:workers: []\n").stream().anyMatch(e ->
                e.startsWith("kubeha:workers: is given twice in Pulumi.dev.yaml (lines 5 and 6, with and without the namespace)")));
        assertTrue(StackFile.parse("Pulumi.dev.yaml", "config: {}\nconfig: {}\n").problems().get(0).toString()
                .startsWith("Pulumi.dev.yaml: config: is given twice"));
    }

    @Test
    void aKeyWithoutNamespaceIsKubehasAsTheCliMakesIt() {
        // loaders.go stackConfigNamespacedWithProject: "workers" is "kubeha:workers", so it is checked like one.
        assertEquals(List.of(), errors("  workers: [w1=192.168.56.20]\n"));
        assertEquals(List.of("kubeha:workrs: unknown key; the keys are declared in Pulumi.yaml; did you mean workers?"),
                errors("  workrs: []\n"));
        assertEquals("[\"w1=192.168.56.20\"]", read("  kubeha:config:workers: [w1=192.168.56.20]\n").get("workers").orElseThrow(),
                "the old NAMESPACE:config:NAME form (key.go ParseKey)");
    }

    @Test
    void aNearMissNamespaceIsRefusedOtherNamespacesAreNot() {
        assertEquals(List.of("kubehaa:workers: namespace 'kubehaa' is not kubeha's, so the program never reads this key;"
                + " did you mean kubeha:workers?"), errors("  kubehaa:workers: []\n"));
        assertEquals(1, errors("  Kubeha:vip: 1.2.3.4\n").size());
        assertEquals(List.of(), errors("  aws:region: eu-west-1\n  pulumi:disable-default-providers: []\n"
                + "  kubernetes:context: x\n  command:foo: bar\n"));
        assertEquals(List.of("kubeha:a:b: is not a configuration key; Pulumi's keys are NAMESPACE:NAME, such as kubeha:workers"),
                errors("  kubeha:a:b: c\n"));
    }

    @Test
    void encryptedValuesAreSecretAndUnknown() {
        RawConfig raw = read("  kubeha:keepalivedAuthPassword:\n    secure: v1:AAAA\n");
        assertTrue(raw.isSecret("keepalivedAuthPassword") && raw.isUnknown("keepalivedAuthPassword"));
        assertEquals(List.of("kubeha:keepalivedAuthPassword: is set in plain text; it is a secret: pulumi config set --secret"
                + " keepalivedAuthPassword ..."), errors("  kubeha:keepalivedAuthPassword: hunter2\n"));
        assertEquals(List.of("kubeha:bastionHost: is set as a secret, but kubeha does not keep it secret (it would show in"
                        + " plain text in the state, the logs and on the machines); set it without --secret"),
                errors("  kubeha:bastionHost:\n    secure: v1:AAAA\n"));
        assertEquals(List.of(), errors("  kubeha:vagrantBoxUrl:\n    secure: v1:AAAA\n"),
                "a box URL may carry credentials: kubeha keeps it secret whenever it is set");
    }

    @Test
    void configFromAnEscEnvironmentIsSaidToBeUnseen() {
        RawConfig raw = StackFile.parse("Pulumi.dev.yaml", "environment:\n  - kubeha/prod\nconfig:\n" + NODES);
        assertEquals(List.of("Pulumi.dev.yaml: environment: [\"kubeha/prod\"]: config from ESC environments is not seen"
                + " offline; pulumi up merges it in (values in this file win) and the program checks it"),
                ClusterConfigParser.parse(raw).unchecked());
    }

    @Test
    void unreadableYamlSaysWhereWithoutAStackTrace() {
        List<ConfigError> problems = StackFile.parse("Pulumi.dev.yaml", "config:\n  kubeha:vip: [\n").problems();
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).toString().startsWith("Pulumi.dev.yaml: is not valid YAML:"), problems.toString());
        assertTrue(StackFile.parse("Pulumi.dev.yaml", "config:\n  kubeha:workers: &w [*w]\n").problems().get(0).message()
                .contains("nested more than 64 levels deep"), "a recursive alias is refused, not followed forever");
    }
}
