package dev.kubeha;

import dev.kubeha.config.ProjectSchema;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README stays true: every config key is documented, and CI runs the test command the README gives. */
class ReadmeTest {

    @Test
    void everyConfigKeyIsInTheReadmeWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (ProjectSchema.Key key : ProjectSchema.get().keys().values()) {
            String row = "| `" + key.name() + "` | " + key.type();
            assertTrue(readme.contains(row), "README.md has no row for kubeha:" + key.name());
            key.defaultValue().filter(d -> d.isValueNode() && !d.asText().isEmpty()).ifPresent(d ->
                    assertTrue(readme.contains(row + (key.secret() ? " (secret)" : "") + " | `" + d.asText() + "` |"),
                            "README.md shows another default for kubeha:" + key.name() + " than Pulumi.yaml (" + d.asText() + ")"));
        }
    }

    @Test
    void ciRunsTheReadmesTestCommand() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String ci = Files.readString(Path.of(".ci", "run"));
        assertTrue(readme.contains("```bash\nmvn -B verify\n```"), "the README gives `mvn -B verify` as the test command");
        assertTrue(ci.contains("as_root mvn -B verify\n"), ".ci/run runs it");
    }
}
