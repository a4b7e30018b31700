package dev.kubeha.scripts;

import dev.kubeha.testing.Netns;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every shell script under components/ and .ci/ passes shellcheck. Rendered scripts are checked by their own tests. */
@Execution(ExecutionMode.CONCURRENT)
public class ShellcheckTest {

    static List<Path> scripts() throws IOException {
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("components")), Stream.of(Path.of(".ci", "run")))) {
            return files.filter(p -> p.toString().endsWith(".sh") || p.endsWith(Path.of(".ci", "run"))).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyComponentScriptPassesShellcheck() throws IOException {
        List<Path> scripts = scripts();
        assertFalse(scripts.isEmpty());
        return scripts.stream().map(p -> DynamicTest.dynamicTest(p.toString(), () -> assertShellcheckClean(p)));
    }

    /** Runs shellcheck on a file (bash dialect, with the library's variables declared by its sourcing scripts). */
    public static void assertShellcheckClean(Path file) {
        assumeTrue(Netns.onPath("shellcheck"), "shellcheck is not installed (apt-get install shellcheck)");
        // SC2154: node scripts use parameters that NodeScript.render assigns before the body.
        Netns.Result r = Netns.exec("shellcheck", "-s", "bash", "-e", "SC2154", file.toString());
        assertEquals(0, r.exitCode(), file + ":\n" + r.output());
    }

    /** Checks a whole rendered script (its parameters are assigned in it, so nothing is excluded). */
    public static void assertRenderedScriptClean(String name, String script) {
        assumeTrue(Netns.onPath("shellcheck"), "shellcheck is not installed (apt-get install shellcheck)");
        try {
            Path file = Files.createTempFile("kubeha-" + name.replace('/', '-'), ".sh");
            Files.writeString(file, script);
            Netns.Result r = Netns.exec("shellcheck", "-s", "bash", file.toString());
            Files.delete(file);
            assertEquals(0, r.exitCode(), name + ":\n" + r.output());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
