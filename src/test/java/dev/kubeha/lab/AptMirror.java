package dev.kubeha.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Debian mirror this machine's apt is configured with, read from its sources (one-line
 * {@code /etc/apt/sources.list} and deb822 {@code /etc/apt/sources.list.d/*.sources}); never a hard-coded host.
 */
record AptMirror(String uri, String suite) {

    /** The first {@code deb} source that carries {@code suite} (e.g. bookworm). */
    static Optional<AptMirror> forSuite(String suite) {
        return forSuite(suite, Path.of("/etc/apt"));
    }

    static Optional<AptMirror> forSuite(String suite, Path aptDir) {
        List<AptMirror> found = new ArrayList<>();
        try {
            Path list = aptDir.resolve("sources.list");
            if (Files.isRegularFile(list)) {
                found.addAll(oneLine(Files.readString(list)));
            }
            Path dir = aptDir.resolve("sources.list.d");
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.sorted().toList()) {
                        String name = f.getFileName().toString();
                        if (name.endsWith(".sources")) {
                            found.addAll(deb822(Files.readString(f)));
                        } else if (name.endsWith(".list")) {
                            found.addAll(oneLine(Files.readString(f)));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found.stream().filter(m -> m.suite().equals(suite)).findFirst();
    }

    /** {@code deb [options] URI SUITE COMPONENT...} lines. */
    static List<AptMirror> oneLine(String text) {
        List<AptMirror> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.replaceAll("\\[[^]]*]", " ").trim();
            String[] f = l.split("\\s+");
            if (f.length >= 3 && f[0].equals("deb")) {
                out.add(new AptMirror(f[1], f[2]));
            }
        }
        return out;
    }

    /** Stanzas of {@code Types:}, {@code URIs:}, {@code Suites:} (and {@code Enabled: no} skipped). */
    static List<AptMirror> deb822(String text) {
        List<AptMirror> out = new ArrayList<>();
        for (String stanza : text.split("\n\\s*\n")) {
            String types = field(stanza, "Types");
            if (!(" " + types + " ").contains(" deb ") || field(stanza, "Enabled").equalsIgnoreCase("no")) {
                continue;
            }
            for (String uri : field(stanza, "URIs").split("\\s+")) {
                for (String suite : field(stanza, "Suites").split("\\s+")) {
                    if (!uri.isEmpty() && !suite.isEmpty()) {
                        out.add(new AptMirror(uri, suite));
                    }
                }
            }
        }
        return out;
    }

    private static String field(String stanza, String name) {
        for (String line : stanza.split("\n")) {
            if (!line.startsWith("#") && line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return "";
    }
}
