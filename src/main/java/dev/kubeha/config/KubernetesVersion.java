package dev.kubeha.config;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes 1.x version: a minor (1.31, newest patch) or a patch (1.31.4, pinned). */
public record KubernetesVersion(int minor, OptionalInt patch) {
    /** Oldest and newest minors kubeha renders kubeadm configuration and package repositories for. */
    public static final int OLDEST_MINOR = 29;
    public static final int NEWEST_MINOR = 34;

    private static final Pattern FORMAT = Pattern.compile("v?1\\.(\\d{1,2})(?:\\.(\\d{1,3}))?");

    public static Optional<KubernetesVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        OptionalInt patch = m.group(2) == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(m.group(2)));
        return Optional.of(new KubernetesVersion(Integer.parseInt(m.group(1)), patch));
    }

    public boolean isSupported() {
        return minor >= OLDEST_MINOR && minor <= NEWEST_MINOR;
    }

    /** "1.31": the pkgs.k8s.io repository of this minor. */
    public String minorVersion() {
        return "1." + minor;
    }

    /** "1.31.4" when pinned, "1.31" otherwise. */
    @Override
    public String toString() {
        return patch.isPresent() ? minorVersion() + "." + patch.getAsInt() : minorVersion();
    }

    /** kubeadm.k8s.io/v1beta4 exists from 1.31 on; below that, v1beta3. */
    public String kubeadmApiVersion() {
        return minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
    }
}
