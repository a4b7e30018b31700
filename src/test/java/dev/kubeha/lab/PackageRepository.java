package dev.kubeha.lab;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The Debian packages the machines may install (they have no uplink): {@link #PACKAGES} and everything they
 * depend on, fetched on the host with {@code apt-get download} from the mirror apt here uses, cached under
 * {@link RootFilesystem#CACHE} keyed by the list, and published per lab as a signed flat repository.
 */
final class PackageRepository {
    /** What kubeha's scripts install on Debian (and what the checks use: iptables). */
    static final List<String> PACKAGES = List.of("haproxy", "keepalived", "curl", "ca-certificates", "ufw", "iptables",
            "containerd", "conntrack", "socat", "gpg", "gnupg");

    private PackageRepository() {
    }

    /** Fills {@code dir} (the lab's copy) with the packages and a signed index. */
    static void publish(Path dir, RepositorySigner signer) {
        Path cache = download();
        HostShell.run("mkdir -p " + dir + " && cp -al " + cache + "/. " + dir + "/", 60);
        FlatRepository.index(dir, "kubeha-lab Debian " + RootFilesystem.SUITE + " subset", signer);
    }

    /** The downloaded .deb of one of {@link #PACKAGES} (downloading them all first when the cache is cold). */
    static Path deb(String name) {
        try (var files = Files.list(download())) {
            return files.filter(f -> f.getFileName().toString().startsWith(name + "_") && f.toString().endsWith(".deb"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no " + name + " package in the lab's cache"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static synchronized Path download() {
        Path cache = RootFilesystem.CACHE.resolve("debs-" + key());
        if (Files.isRegularFile(cache.resolve(".kubeha-lab-ready"))) {
            return cache;
        }
        Path tmp = RootFilesystem.CACHE.resolve(cache.getFileName() + ".downloading-" + ProcessHandle.current().pid());
        String names = String.join(" ", PACKAGES);
        // Every package the list needs, recursively (virtual packages, shown as <name>, resolve to their providers).
        String resolve = "apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks"
                + " --no-replaces --no-enhances " + names + " | grep '^[a-z0-9]' | sort -u";
        if (!HostShell.sh("apt-cache show " + PACKAGES.get(0), 30).ok()) {
            HostShell.run("apt-get update -q", 300);
        }
        HostShell.run("rm -rf " + tmp + " && mkdir -p " + tmp + " && cd " + tmp + " && apt-get download -q $(" + resolve + ")"
                + " && touch .kubeha-lab-ready && rm -rf " + cache + " && mv " + tmp + " " + cache, 900);
        return cache;
    }

    private static String key() {
        try {
            String mirror = AptMirror.forSuite(RootFilesystem.SUITE).map(AptMirror::uri).orElse("");
            byte[] d = MessageDigest.getInstance("SHA-256").digest((mirror + "|" + String.join(",", PACKAGES))
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
