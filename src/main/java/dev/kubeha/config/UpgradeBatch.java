package dev.kubeha.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many workers an upgrade takes out of service at once ({@code upgradeWorkerBatch}): a count ({@code 5}) or a
 * percentage of the workers ({@code 10%}), rounded down and at least one, as k0sctl computes its
 * {@code workerDisruptionPercent} (k0sproject/k0sctl phase/upgrade_workers.go: floor(workers x percent / 100), at
 * least 1; kubespray's upgrade-cluster.yml has {@code serial: 20%} for its nodes).
 */
public record UpgradeBatch(int value, boolean percent) {
    private static final Pattern FORM = Pattern.compile("([0-9]{1,6})(%?)");

    /** "10%" or "5"; empty when the text is neither, or out of range (a count of at least 1, 1% to 100%). */
    public static Optional<UpgradeBatch> parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        int value = Integer.parseInt(m.group(1));
        boolean percent = !m.group(2).isEmpty();
        if (value < 1 || (percent && value > 100)) {
            return Optional.empty();
        }
        return Optional.of(new UpgradeBatch(value, percent));
    }

    /** Workers per batch for a pool of {@code workers}: at least one, at most all. */
    public int size(int workers) {
        int size = percent ? (int) ((long) workers * value / 100) : value;
        return Math.max(1, Math.min(size, Math.max(workers, 1)));
    }

    @Override
    public String toString() {
        return value + (percent ? "%" : "");
    }
}
