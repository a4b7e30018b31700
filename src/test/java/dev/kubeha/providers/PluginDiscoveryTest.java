package dev.kubeha.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Pulumi Java language host runs to learn which provider plugins to install
 * ({@code com.pulumi.bootstrap.internal.Main packages}) lists command and random with their versions.
 */
class PluginDiscoveryTest {

    @Test
    void bootstrapListsBothPluginsWithTheirVersions() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "com.pulumi.bootstrap.internal.Main", "packages")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "plugin discovery finished");
        assertEquals(0, p.exitValue(), out);
        Map<String, JsonNode> plugins = new HashMap<>();
        for (JsonNode plugin : new ObjectMapper().readTree(out)) {
            plugins.put(plugin.path("name").asText(), plugin);
        }
        assertEquals(ProviderPlugins.COMMAND_VERSION, plugins.get("command").path("version").asText(), out);
        assertTrue(plugins.get("command").path("resource").asBoolean(), out);
        assertEquals(ProviderPlugins.RANDOM_VERSION, plugins.get("random").path("version").asText(), out);
        assertTrue(plugins.get("random").path("resource").asBoolean(), out);
        assertEquals("4.0.0", plugins.get("kubernetes").path("version").asText(), out);
    }
}
