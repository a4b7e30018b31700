package dev.kubeha.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A stand-in API server (the failover lab's src/test/resources/failover/apiserver.py: HTTPS, /healthz answers ok,
 * anything else names the machine) as a systemd service, {@code kubeha-lab-apiserver}, on a control-plane machine.
 */
final class StandInApiServer {
    static final String UNIT = "kubeha-lab-apiserver";
    private static final String DIR = "/usr/local/lib/kubeha-lab";

    private StandInApiServer() {
    }

    /** Installs the service on {@code machine}, listening on {@code port}; started now when {@code start}. */
    static void install(MachineLab lab, String machine, int port, boolean start) {
        Path cert = lab.dir.resolve("apiserver-cert.pem");
        Path key = lab.dir.resolve("apiserver-key.pem");
        if (!cert.toFile().exists()) {
            HostShell.run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kubeha-lab-stand-in -keyout " + key
                    + " -out " + cert + " 2>/dev/null");
        }
        Machine m = lab.machine(machine);
        m.write(DIR.substring(1) + "/apiserver.py", resource("/failover/apiserver.py"));
        HostShell.run("cp " + cert + " " + m.root() + DIR + "/cert.pem && cp " + key + " " + m.root() + DIR + "/key.pem");
        m.write("etc/systemd/system/" + UNIT + ".service", """
                [Unit]
                Description=kubeha machine lab: stand-in Kubernetes API server (not a real one)
                After=network.target

                [Service]
                ExecStart=/usr/bin/python3 %s/apiserver.py %s %d %s/cert.pem %s/key.pem
                Restart=always

                [Install]
                WantedBy=multi-user.target
                """.formatted(DIR, machine, port, DIR, DIR));
        Ssh.Result r = lab.root(machine, "systemctl daemon-reload" + (start ? " && systemctl enable --now " + UNIT : ""));
        if (!r.ok()) {
            throw new IllegalStateException("stand-in API server on " + machine + ": " + r);
        }
    }

    private static String resource(String name) {
        try (InputStream in = StandInApiServer.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
