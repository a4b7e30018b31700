package dev.kubeha.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Stand-in Kubernetes packages (Kubernetes cannot be fetched here): kubelet, kubeadm, kubectl, cri-tools and
 * kubernetes-cni built with {@code dpkg-deb}, named, versioned and laid out like pkgs.k8s.io's (one flat repository
 * per minor, {@code Release.key} beside it, releases {@code -1.1}), signed by the lab's key, so that the signing key,
 * {@code signed-by}, pinning, holds and the move between minors run through real apt. Their binaries are
 * {@code src/test/resources/lab/stand-in.sh}: they record every call and answer like the real ones where kubeha's
 * scripts read output. Each package says it is a stand-in.
 */
final class StandInKubernetes {
    /** Versions per minor: kubelet/kubeadm/kubectl patches, then cri-tools and kubernetes-cni. */
    static final Map<String, List<String>> PATCHES = Map.of("1.33", List.of("1.33.3", "1.33.4"), "1.34", List.of("1.34.1"));
    private static final Map<String, String> CRI_TOOLS = Map.of("1.33", "1.33.0", "1.34", "1.34.0");
    private static final Map<String, String> CNI = Map.of("1.33", "1.6.0", "1.34", "1.7.1");
    /** The pause image the stand-in kubeadm names, as the real one of the minor does (kubeadm's PauseVersion). */
    private static final Map<String, String> PAUSE = Map.of("1.33", "3.10", "1.34", "3.10.1");
    static final String PATH = "/kubernetes/v{minor}/deb/";

    private StandInKubernetes() {
    }

    /** Builds and signs the repositories under {@code www}; returns the stack settings that point nodes at them. */
    static Map<String, String> publish(Path www, RepositorySigner signer) {
        String script = resource("/lab/stand-in.sh");
        for (String minor : PATCHES.keySet()) {
            Path repo = www.resolve(PATH.substring(1).replace("{minor}", minor));
            Path build = www.resolveSibling("stand-in-build-" + minor);
            for (String v : PATCHES.get(minor)) {
                String bin = script.replace("@VERSION@", v).replace("@PAUSE@", PAUSE.get(minor));
                deb(build, repo, "kubelet", v, "iptables, kubernetes-cni", Map.of("usr/bin/kubelet", bin,
                        "lib/systemd/system/kubelet.service", kubeletUnit()));
                deb(build, repo, "kubeadm", v, "cri-tools (>= " + minor + ".0)", Map.of("usr/bin/kubeadm", bin));
                deb(build, repo, "kubectl", v, "", Map.of("usr/bin/kubectl", bin));
            }
            deb(build, repo, "cri-tools", CRI_TOOLS.get(minor), "", Map.of("usr/bin/crictl", script.replace("@VERSION@", CRI_TOOLS.get(minor))));
            deb(build, repo, "kubernetes-cni", CNI.get(minor), "", Map.of("opt/cni/bin/kubeha-lab-stand-in", "stand-in\n"));
            HostShell.run("rm -rf " + build);
            FlatRepository.index(repo, "kubeha-lab stand-in Kubernetes " + minor, signer);
            write(repo.resolve("Release.key"), signer.armoredPublicKey());
        }
        String base = MachineLab.REPO_URL + PATH;
        // containerd from the lab's Debian subset (the machines cannot reach Docker's repository): Debian 12's 1.6,
        // which the stand-in minors (below 1.36) still run with.
        return Map.of("kubernetesDebRepository", base, "kubernetesDebKey", base + "Release.key", "containerdSource", "distribution");
    }

    private static void deb(Path build, Path repo, String name, String version, String depends, Map<String, String> files) {
        Path root = build.resolve(name + "_" + version);
        for (Map.Entry<String, String> f : files.entrySet()) {
            write(root.resolve(f.getKey()), f.getValue());
        }
        HostShell.run("chmod 755 " + root + "/usr/bin/* 2>/dev/null; true");
        write(root.resolve("DEBIAN/control"), "Package: " + name + "\nVersion: " + version + "-1.1\nArchitecture: amd64\n"
                + "Maintainer: kubeha machine lab <lab@kubeha.invalid>\n" + (depends.isEmpty() ? "" : "Depends: " + depends + "\n")
                + "Section: admin\nPriority: optional\nDescription: STAND-IN for " + name + " " + version
                + " (kubeha machine lab, not Kubernetes)\n Records its calls and answers like the real tool where kubeha reads output.\n");
        HostShell.run("mkdir -p " + repo + " && dpkg-deb --root-owner-group -Zgzip --build " + root + " " + repo + "/" + name + "_"
                + version + "-1.1_amd64.deb >/dev/null");
    }

    private static String kubeletUnit() {
        return """
                [Unit]
                Description=kubelet STAND-IN (kubeha machine lab)
                After=network-online.target

                [Service]
                EnvironmentFile=-/etc/default/kubelet
                ExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS
                Restart=always

                [Install]
                WantedBy=multi-user.target
                """;
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = StandInKubernetes.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
