package dev.kubeha.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under the engine every key the engine hands the program is read (PULUMI_CONFIG, as the Java language host writes
 * it: pulumi/pulumi-java pkg/cmd/pulumi-language-java/main.go constructEnv/constructConfig), so a typo is refused.
 */
class EngineConfigTest {
    static final String NODES = "\"kubeha:vip\":\"192.168.56.100\","
            + "\"kubeha:loadBalancers\":\"[\\\"lb1=192.168.56.5\\\",\\\"lb2=192.168.56.6\\\"]\","
            + "\"kubeha:controlPlaneNodes\":\"[\\\"cp1=192.168.56.10\\\"]\"";

    static List<String> errors(String moreConfig, String secretKeys) {
        Map<String, String> env = Map.of(EngineConfig.MONITOR, "127.0.0.1:1",
                EngineConfig.CONFIG, "{" + NODES + moreConfig + "}", EngineConfig.SECRET_KEYS, secretKeys);
        return ClusterConfigParser.parse(EngineConfig.read(env)).errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void theWholeConfigIsReadAndATypoIsRefusedWithASuggestion() {
        assertEquals(List.of(), errors("", "[]"));
        assertEquals(List.of("kubeha:workrs: unknown key; the keys are declared in Pulumi.yaml; did you mean workers?",
                        "kubeha:kubernetesVersoin: unknown key; the keys are declared in Pulumi.yaml; did you mean kubernetesVersion?"),
                errors(",\"kubeha:workrs\":\"[]\",\"kubeha:kubernetesVersoin\":\"1.30\"", "[]"));
        assertEquals(List.of("kubehaa:workers: namespace 'kubehaa' is not kubeha's, so the program never reads this key;"
                + " did you mean kubeha:workers?"), errors(",\"kubehaa:workers\":\"[]\",\"aws:region\":\"x\"", "[]"));
    }

    @Test
    void theEnginesSecretKeysSayWhichValuesAreSecrets() {
        assertEquals(List.of(), errors(",\"kubeha:sshPrivateKey\":\"KEY\"", "[\"kubeha:sshPrivateKey\"]"));
        assertEquals(List.of("kubeha:sshPrivateKey: is set in plain text; it is a secret: pulumi config set --secret"
                + " sshPrivateKey ..."), errors(",\"kubeha:sshPrivateKey\":\"KEY\"", "[]"));
        assertEquals(List.of(), errors(",\"kubeha:vagrantBoxUrl\":\"https://x/box\"", "[\"kubeha:vagrantBoxUrl\"]"),
                "a box URL may carry credentials: kubeha keeps it secret whenever it is set");
        assertEquals(1, errors(",\"kubeha:vagrantBox\":\"bento/ubuntu-24.04\"", "[\"kubeha:vagrantBox\"]").size());
        RawConfig raw = EngineConfig.read(Map.of(EngineConfig.CONFIG, "{\"kubeha:config:workers\":\"[]\"}"));
        assertEquals("[]", raw.get("workers").orElseThrow(), "the old :config: form, as the SDK's cleanKey reads it");
        assertFalse(raw.isUnknown("workers"));
    }

    @Test
    void theEngineAndTheStackFileGiveTheSameErrors() {
        List<String> engine = errors(",\"kubeha:workrs\":\"[]\",\"kubehaa:cni\":\"calico\",\"kubeha:apiPort\":\"https\"", "[]");
        List<String> offline = ClusterConfigParser.parse(StackFile.parse("Pulumi.dev.yaml", """
                config:
                  kubeha:vip: 192.168.56.100
                  kubeha:loadBalancers: [lb1=192.168.56.5, lb2=192.168.56.6]
                  kubeha:controlPlaneNodes: [cp1=192.168.56.10]
                  kubeha:workrs: []
                  kubehaa:cni: calico
                  kubeha:apiPort: https
                """)).errors().stream().map(ConfigError::toString).toList();
        assertEquals(3, engine.size(), engine.toString());
        assertEquals(engine, offline);
    }

    @Test
    void onlyAProgramRunByTheEngineHasAMonitor() {
        assertTrue(EngineConfig.isEngineRun(Map.of(EngineConfig.MONITOR, "127.0.0.1:50051")));
        assertFalse(EngineConfig.isEngineRun(Map.of(EngineConfig.CONFIG, "{}")));
    }
}
