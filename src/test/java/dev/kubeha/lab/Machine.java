package dev.kubeha.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One booted Debian machine: an overlay of the {@link RootFilesystem} (its own upper layer is its disk, kept across
 * reboots), booted with {@code systemd-nspawn --boot} in its own network namespace of the {@link LabNetwork}, with
 * sshd and the sudo user {@link RootFilesystem#USER} whose authorized key is the lab's.
 *
 * <p>nspawn grants CAP_NET_ADMIN only with a network it made itself, so it is added for the namespace given
 * ({@code --capability}); {@code SYSTEMD_NSPAWN_API_VFS_WRITABLE=network} makes /proc/sys/net writable (the
 * network namespace is the machine's own), the rest of /proc/sys stays read-only as in any container.
 *
 * <p>The container's console is read ({@code --console=read-only}, into console.log): with {@code passive} its
 * pseudo-TTY "is not connected anywhere" (systemd-nspawn(1), systemd 252), and a boot slow enough for systemd to
 * print its jobs in progress there (ShowStatus=auto; after 2-5 s, then every third of a second: systemd/systemd
 * src/core/manager.c, JOBS_IN_PROGRESS_WAIT_USEC) filled it until PID 1 blocked writing (wait channel
 * wait_woken): no unit started again, /run/nologin stayed, and the lab saw ssh exit 255 for minutes (two CI
 * failures on a loaded machine).
 */
final class Machine implements AutoCloseable {
    final String name;
    final String address;
    final String namespace;
    private final Path dir;
    private final Path merged;
    private Process nspawn;
    private int boots;

    Machine(LabNetwork network, String name, String address, Path labDir, String authorizedKey) {
        this.name = name;
        this.address = address;
        this.namespace = network.attach(name, address);
        this.dir = labDir.resolve("machine-" + name);
        this.merged = dir.resolve("root");
        try {
            for (String d : List.of("upper", "work", "root")) {
                Files.createDirectories(dir.resolve(d));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HostShell.run("mount -t overlay overlay -o lowerdir=" + RootFilesystem.image() + ",upperdir=" + dir.resolve("upper")
                + ",workdir=" + dir.resolve("work") + " " + merged);
        write("etc/hostname", name + "\n");
        write("etc/hosts", "127.0.0.1 localhost\n" + address + " " + name + "\n");
        String home = "home/" + RootFilesystem.USER + "/.ssh";
        write(home + "/authorized_keys", authorizedKey);
        HostShell.run("chroot " + merged + " chown -R " + RootFilesystem.USER + ": /" + home + " && chmod 700 " + merged + "/" + home
                + " && ssh-keygen -A -f " + merged);
    }

    /** Writes a file into the machine's disk (before it boots). */
    void write(String path, String content) {
        try {
            Path f = merged.resolve(path);
            Files.createDirectories(f.getParent());
            Files.writeString(f, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Boots the machine; returns when its sshd accepts connections (at most 60 s). */
    void boot() {
        start();
        awaitSsh();
    }

    /** Starts the machine's boot (systemd-nspawn); {@link #awaitSsh} waits for it. */
    void start() {
        if (nspawn != null) {
            throw new IllegalStateException(name + " is running");
        }
        boots++;
        try {
            ProcessBuilder pb = new ProcessBuilder("systemd-nspawn", "--boot", "--register=no", "--keep-unit",
                    "--console=read-only", "--capability=CAP_NET_ADMIN", "--network-namespace-path=/run/netns/" + namespace,
                    "--machine=" + namespace, "-D", merged.toString());
            pb.environment().put("SYSTEMD_NSPAWN_API_VFS_WRITABLE", "network");
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile()));
            nspawn = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the booting machine's sshd to accept connections (at most 60 s). */
    void awaitSsh() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!nspawn.isAlive()) {
                throw new IllegalStateException(name + " did not boot: " + console());
            }
            if (HostShell.sh("ip netns exec " + namespace + " bash -c 'exec 3<>/dev/tcp/" + address + "/22'", 5).ok()) {
                return;
            }
            HostShell.sleep(0.1);
        }
        throw new IllegalStateException(name + ": sshd did not answer within 60 s: " + console());
    }

    /** Shuts the machine down cleanly (nspawn passes SIGTERM on as a poweroff request), at most 30 s, then kills. */
    void stop() {
        if (nspawn == null) {
            return;
        }
        nspawn.destroy();
        try {
            if (!nspawn.waitFor(30, TimeUnit.SECONDS)) {
                nspawn.descendants().forEach(ProcessHandle::destroyForcibly);
                nspawn.destroyForcibly();
                nspawn.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nspawn = null;
    }

    /** Stopped and booted again on the same disk. */
    void reboot() {
        stop();
        boot();
    }

    int boots() {
        return boots;
    }

    /** The machine's disk as the host sees it (for checks that must not go through the machine). */
    Path root() {
        return merged;
    }

    String console() {
        try {
            String log = Files.readString(dir.resolve("console.log"));
            return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
        } catch (IOException e) {
            return "(no console log)";
        }
    }

    /**
     * What the machine's systemd says, read from the host through the container's namespaces (for a machine that
     * does not let the lab in over SSH): where its systemd waits (its state and kernel wait channel), its processes,
     * whether /run/nologin is there, the end of its journal. Not systemctl: entered this way it hangs authenticating
     * on systemd's private bus.
     */
    String insideState() {
        if (nspawn == null || !nspawn.isAlive()) {
            return "(not running)";
        }
        return nspawn.toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/systemd") || c.endsWith("/init")).orElse(false))
                .findFirst()
                .map(init -> HostShell.sh("grep State /proc/" + init.pid() + "/status; echo \"wchan: $(cat /proc/" + init.pid()
                        + "/wchan)\"; nsenter -t " + init.pid() + " -m -u -i -n -p -- sh -c '"
                        + "ps -ef; ls -l /run/nologin; "
                        + "journalctl -b --no-pager -n 60' 2>&1", 30).output())
                .orElse("(no init process found under systemd-nspawn)");
    }

    @Override
    public void close() {
        stop();
        HostShell.sh("umount " + merged + " || umount -l " + merged, 30);
        HostShell.sh("rm -rf " + dir, 120);
    }

    /** What this machine left: its mount, its directory, processes running its root. */
    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        if (HostShell.sh("findmnt -rn " + merged, 10).ok()) {
            left.add("mount " + merged);
        }
        if (Files.exists(dir)) {
            left.add("directory " + dir);
        }
        return left;
    }
}
