package dev.kubeha.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lab's root filesystem comes from the mirror apt is configured with: both source formats are read. */
class AptMirrorTest {
    @Test
    void deb822StanzasGiveEachUriAndSuiteOfTypeDeb() {
        String text = """
                Types: deb
                # a comment
                URIs: http://mirror.example/debian
                Suites: bookworm bookworm-updates
                Components: main

                Types: deb-src
                URIs: http://src.example/debian
                Suites: bookworm

                Types: deb
                URIs: http://off.example/debian
                Suites: bookworm
                Enabled: no
                """;
        assertEquals(List.of(new AptMirror("http://mirror.example/debian", "bookworm"),
                new AptMirror("http://mirror.example/debian", "bookworm-updates")), AptMirror.deb822(text));
    }

    @Test
    void oneLineSourcesSkipOptionsAndSourcePackages() {
        String text = "deb-src http://src.example/debian bookworm main\n"
                + "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n# deb http://x y z\n";
        assertEquals(List.of(new AptMirror("http://mirror.example/debian", "bookworm")), AptMirror.oneLine(text));
    }

    @Test
    void theFirstSourceOfTheSuiteWinsListBeforeDirectory(@TempDir Path apt) throws Exception {
        Files.writeString(apt.resolve("sources.list"), "deb http://first.example/debian bookworm-updates main\n");
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), "Types: deb\nURIs: http://second.example/debian\nSuites: bookworm\n");
        Files.writeString(apt.resolve("sources.list.d/other.list.disabled"), "deb http://ignored.example/debian bookworm main\n");
        assertEquals(Optional.of(new AptMirror("http://second.example/debian", "bookworm")), AptMirror.forSuite("bookworm", apt));
        assertEquals(Optional.empty(), AptMirror.forSuite("trixie", apt));
    }
}
