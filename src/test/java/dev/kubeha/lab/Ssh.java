package dev.kubeha.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real OpenSSH client, run in the lab's hub namespace. Chosen over a Java SSH library because it is what
 * operators use and is on every machine that runs the lab; no Java SSH library is a dependency of the project.
 * {@code -F /dev/null} keeps the host's ssh_config out (Debian's sends LANG/LC_* with SendEnv, which
 * pulumi-command's Go client does not); host keys are not checked, as pulumi-command does not check them without a
 * {@code hostKey} (pulumi/pulumi-command provider/pkg/provider/remote/connection.go, v1.2.1: InsecureIgnoreHostKey).
 */
final class Ssh {
    /** Where to connect: the target, and the jump host when there is one. */
    record Target(String host, int port, String user, Path key, Target proxy) {
        Target(String host, String user, Path key) {
            this(host, 22, user, key, null);
        }
    }

    /** A finished remote command. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private final String namespace;

    Ssh(String namespace) {
        this.namespace = namespace;
    }

    /**
     * Runs {@code command} as the remote user's shell runs an SSH exec request (the command string, no terminal),
     * with {@code stdin} piped when not null and {@code environment} sent as SSH env requests.
     */
    Result run(Target target, String command, String stdin, Map<String, String> environment, int seconds) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(options(target));
        environment.forEach((k, v) -> argv.addAll(List.of("-o", "SetEnv=" + k + "=" + v)));
        argv.add(target.user() + "@" + target.host());
        argv.add("--");
        argv.add(command);
        try {
            Process p = new ProcessBuilder(argv).start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the remote command did not read all of its stdin; its exit status tells
            }
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, out.getNow(""), err.getNow("") + "\n(ssh timed out after " + seconds + " s)");
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        } catch (Exception e) {
            return new Result(-1, "", e.toString());
        }
    }

    Result run(Target target, String command, int seconds) {
        return run(target, command, null, Map.of(), seconds);
    }

    private static List<String> options(Target t) {
        List<String> o = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=15",
                "-o", "IdentitiesOnly=yes", "-i", t.key().toString(), "-p", Integer.toString(t.port())));
        if (t.proxy() != null) {
            // As pulumi-command dials the proxy, then the target through it (a direct-tcpip channel: ssh -W).
            List<String> jump = new ArrayList<>(options(t.proxy()));
            jump.addAll(List.of("-W", "%h:%p", t.proxy().user() + "@" + t.proxy().host()));
            o.addAll(List.of("-o", "ProxyCommand=" + String.join(" ", jump)));
        }
        return o;
    }

    private static CompletableFuture<String> drain(java.io.InputStream in) {
        // A thread of its own per stream: the common pool has one thread on a two-core machine.
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        }, "ssh-drain");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Writes a private key to a file only root can read (ssh refuses keys others can read). */
    static synchronized Path keyFile(Path dir, String name, String privateKey) {
        try {
            Path f = dir.resolve(name);
            if (Files.exists(f)) {
                return f;
            }
            Files.createFile(f, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(f, privateKey.endsWith("\n") ? privateKey : privateKey + "\n");
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
