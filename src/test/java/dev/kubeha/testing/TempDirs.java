package dev.kubeha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Temporary directories for tests, deleted at the latest when the test JVM exits (a harness lives as long as its
 * test, which holds it in a local and never closes it), so no test leaves its kubeha-* folder behind.
 */
public final class TempDirs {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(TempDirs::delete)));
    }

    private TempDirs() {
    }

    /** A new directory under the system temp dir, named {@code prefix...}, deleted at exit if not before. */
    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            LIVE.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything in it (nothing when it is gone already). */
    public static void delete(Path dir) {
        LIVE.remove(dir);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
