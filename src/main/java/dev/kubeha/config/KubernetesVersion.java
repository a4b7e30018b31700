package dev.kubeha.config;

import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes 1.x version: a minor (1.36, newest patch) or a patch (1.36.4, pinned). */
public record KubernetesVersion(int minor, OptionalInt patch) {
    /**
     * The minors kubeha renders kubeadm configuration and package repositories for, each with its upstream end of life:
     * the one table kubeha keeps of Kubernetes releases. Source: kubernetes/website data/releases/eol.yaml (ended
     * branches: 1.29 2025-02-28, 1.30 2025-07-15, 1.31 2025-11-11) and data/releases/schedule.yaml, published as
     * https://kubernetes.io/releases/1.NN/ "End Of Life Date" (1.32 2026-02-28, 1.33 2026-06-28, 1.34 2026-10-27,
     * 1.35 2027-02-28, 1.36 2027-06-28, 1.37 2027-10-28). A new minor is added here (and its end of life) once
     * pkgs.k8s.io serves it and kubeha's tests pass with it; see the README, "Kubernetes versions".
     */
    static final Map<Integer, LocalDate> END_OF_LIFE = Map.of(
            29, LocalDate.of(2025, 2, 28),
            30, LocalDate.of(2025, 7, 15),
            31, LocalDate.of(2025, 11, 11),
            32, LocalDate.of(2026, 2, 28),
            33, LocalDate.of(2026, 6, 28),
            34, LocalDate.of(2026, 10, 27),
            35, LocalDate.of(2027, 2, 28),
            36, LocalDate.of(2027, 6, 28),
            37, LocalDate.of(2027, 10, 28));
    public static final int OLDEST_MINOR = END_OF_LIFE.keySet().stream().mapToInt(Integer::intValue).min().orElseThrow();
    public static final int NEWEST_MINOR = END_OF_LIFE.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();

    /**
     * The first minor that needs containerd 2: Kubernetes 1.35 is the last release to support containerd 1.x
     * (kubernetes.io/blog/2025/12/17/kubernetes-v1-35-release/, "containerd 1.x end of support"; containerd
     * RELEASES.md "Kubernetes Support" lists containerd 2.x for every later minor).
     */
    static final int FIRST_MINOR_NEEDING_CONTAINERD_2 = 36;

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
        return END_OF_LIFE.containsKey(minor);
    }

    /** The day upstream stops patching this minor (a supported minor). */
    public LocalDate endOfLife() {
        return END_OF_LIFE.get(minor);
    }

    /** A warning when this minor is past its upstream end of life on {@code today}; empty while it is supported. */
    public Optional<String> endOfLifeWarning(LocalDate today) {
        if (!isSupported() || today.isBefore(endOfLife())) {
            return Optional.empty();
        }
        String newest = END_OF_LIFE.entrySet().stream().filter(e -> today.isBefore(e.getValue()))
                .map(e -> "1." + e.getKey()).sorted().reduce((a, b) -> b).orElse("none");
        return Optional.of("kubernetesVersion: Kubernetes " + minorVersion() + " reached its upstream end of life on "
                + endOfLife() + " and gets no security fixes (https://kubernetes.io/releases/); supported minors today: "
                + supportedOn(today) + ". Upgrade one minor at a time (" + minorVersion() + " -> 1." + (minor + 1)
                + " -> ... -> " + newest + ").");
    }

    /** "1.35, 1.36, 1.37": the minors kubeha accepts that upstream still patches on {@code today}. */
    static String supportedOn(LocalDate today) {
        return END_OF_LIFE.entrySet().stream().filter(e -> today.isBefore(e.getValue())).map(Map.Entry::getKey).sorted()
                .map(m -> "1." + m).reduce((a, b) -> a + ", " + b).orElse("none");
    }

    /** containerd's lowest major version this minor runs with: 2 from 1.36, 1 before. */
    public int minimumContainerdMajor() {
        return minor >= FIRST_MINOR_NEEDING_CONTAINERD_2 ? 2 : 1;
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

    /**
     * kubeadm.k8s.io/v1beta4 exists from 1.31 on; below that, v1beta3. v1beta4 through 1.37: the next API, v1, is
     * still being written (kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1/doc.go: "kubeadm TODO and newer can
     * be used to migrate from v1beta4 to v1", tracked in kubernetes/kubeadm#3160).
     */
    public String kubeadmApiVersion() {
        return minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
    }
}
