package dev.kubeha.lab;

import dev.kubeha.scripts.NodePackagesTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The containerd config the node preparation writes for containerd 1.x, read by a real containerd: Debian 12's
 * (1.6.20, the lab's package), whose {@code containerd --config FILE config dump} prints the config merged with its
 * defaults without starting the daemon. What a config sets is what containerd runs with, including the runc
 * runtime entry, which a runtimes table replaces whole (its runtime_type is empty unless the file sets it).
 * containerd 2 (config version 3) is not packaged by Debian 12: {@link NodePackagesTest} parses that one as TOML only.
 */
class ContainerdConfigLabTest {

    @Test
    void debiansContainerdReadsTheVersion2ConfigAsKubehaMeantIt(@TempDir Path dir) throws Exception {
        HostShell.run("dpkg-deb -x " + PackageRepository.deb("containerd") + " " + dir.resolve("root"), 60);
        Path config = dir.resolve("config.toml");
        Files.writeString(config, NodePackagesTest.renderedConfig("1.6.20~ds1-1+deb12u3", "3.10"));
        String dump = HostShell.run(dir.resolve("root/usr/bin/containerd") + " --config " + config + " config dump", 60);
        for (String expected : new String[] {"sandbox_image = \"registry.k8s.io/pause:3.10\"", "default_runtime_name = \"runc\"",
                "runtime_type = \"io.containerd.runc.v2\"", "SystemdCgroup = true"}) {
            assertTrue(dump.contains(expected), "containerd config dump has no '" + expected + "':\n" + dump);
        }
        String runc = dump.substring(dump.indexOf("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]"));
        assertTrue(runc.substring(0, runc.indexOf("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]"))
                .contains("runtime_type = \"io.containerd.runc.v2\""), "runc's own runtime_type: " + runc);
    }
}
