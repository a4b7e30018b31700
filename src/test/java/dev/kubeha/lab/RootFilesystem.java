package dev.kubeha.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A minimal Debian bookworm root filesystem ({@code debootstrap --variant=minbase}) with systemd, sshd, sudo and
 * iproute2 (python3 for the stand-in API servers), and no curl or gpg, as minimal Debian 12 hosts come. Built once
 * from the mirror apt on this machine uses, and cached under {@link #CACHE} keyed by mirror, suite and package
 * list, so later runs reuse it. Machines boot overlays of it and never write to it.
 */
final class RootFilesystem {
    static final Path CACHE = Path.of("/var/cache/kubeha-lab");
    static final String SUITE = "bookworm";
    static final List<String> PACKAGES = List.of("systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "iproute2",
            "python3");
    /** The sudo user every machine has; its authorized key is made by the test per machine. */
    static final String USER = "lab";
    /** Bumped when the setup below changes, so a stale cached image is not reused. */
    private static final String SETUP = "1";

    private static Path built;

    private RootFilesystem() {
    }

    /** The image's directory, built on first use. */
    static synchronized Path image() {
        if (built != null) {
            return built;
        }
        AptMirror mirror = AptMirror.forSuite(SUITE).orElseThrow(() -> new IllegalStateException(
                "no apt source for " + SUITE + " in /etc/apt/sources.list or /etc/apt/sources.list.d"));
        Path dir = CACHE.resolve("rootfs-" + key(mirror));
        if (!Files.isRegularFile(dir.resolve(".kubeha-lab-ready"))) {
            build(mirror, dir);
        }
        built = dir;
        return dir;
    }

    private static void build(AptMirror mirror, Path dir) {
        try {
            Files.createDirectories(CACHE);
            Path tmp = CACHE.resolve(dir.getFileName() + ".building-" + ProcessHandle.current().pid());
            HostShell.sh("rm -rf " + tmp, 120);
            HostShell.run("debootstrap --variant=minbase --include=" + String.join(",", PACKAGES) + " " + SUITE + " " + tmp
                    + " " + HostShell.quote(mirror.uri()), 900);
            String root = tmp.toString();
            // Machines have no uplink: their apt sources are written by the lab (its package repositories).
            Files.writeString(tmp.resolve("etc/apt/sources.list"), "");
            // Host keys are made per machine at its first boot.
            HostShell.run("rm -f " + root + "/etc/ssh/ssh_host_*");
            HostShell.run("chroot " + root + " useradd --create-home --shell /bin/bash " + USER);
            Files.writeString(tmp.resolve("etc/sudoers.d/" + USER), USER + " ALL=(ALL) NOPASSWD:ALL\n", StandardCharsets.UTF_8);
            HostShell.run("chmod 440 " + root + "/etc/sudoers.d/" + USER);
            // No login prompt on the (passive) console, no time-wasting waits for a network the lab configures itself.
            HostShell.run("chroot " + root + " systemctl mask console-getty.service systemd-networkd-wait-online.service"
                    + " apt-daily.timer apt-daily-upgrade.timer");
            Files.writeString(tmp.resolve(".kubeha-lab-ready"), mirror.uri() + " " + SUITE + "\n");
            HostShell.run("rm -rf " + dir + " && mv " + tmp + " " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String key(AptMirror mirror) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((SETUP + "|" + mirror.uri() + "|" + SUITE + "|" + String.join(",", PACKAGES)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
