package dev.kubeha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden-file assertions: {@code src/test/resources/golden/<group>/<name>.golden}. Run the tests with
 * {@code -Dgolden.update=true} to (re)write the files, then review the diff.
 */
public final class Golden {
    private static final Path ROOT = Path.of("src", "test", "resources", "golden");

    private Golden() {
    }

    public static Path path(String group, String name) {
        return ROOT.resolve(group).resolve(name + ".golden");
    }

    /** The golden file's text ("" when there is none yet). */
    public static String read(String group, String name) {
        try {
            Path file = path(group, name);
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that {@code actual} equals the golden file, or writes it when golden.update is set. */
    public static void assertMatches(String group, String name, String actual) {
        Path file = path(group, name);
        try {
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual, StandardCharsets.UTF_8);
                return;
            }
            assertTrue(Files.exists(file), "missing golden file " + file + "; run with -Dgolden.update=true and review it");
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "differs from golden file " + file
                    + " (if the change is intended: -Dgolden.update=true, then review the diff)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
