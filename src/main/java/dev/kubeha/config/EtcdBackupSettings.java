package dev.kubeha.config;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * etcd snapshots on every control-plane node: when the systemd timer takes one ({@code schedule}, a systemd
 * OnCalendar expression), how many of each kind each node keeps ({@code retention}), where they go
 * ({@code directory}, an absolute path on the nodes), and, set only for a disaster recovery, the snapshot every
 * control-plane node restores its etcd from ({@code restoreFrom}, an absolute path present on each of them).
 */
public record EtcdBackupSettings(String schedule, int retention, String directory, Optional<String> restoreFrom) {
    /**
     * What a systemd calendar expression is written with (systemd/systemd man/systemd.time.xml, "Calendar Events":
     * weekdays, dates with *, ranges .., repetitions /, lists ",", ~ for the last days of a month, times with :,
     * optional seconds with a fraction, a time zone name, and the shorthands minutely ... annually). The node checks
     * it once more with {@code systemd-analyze calendar} before the timer is written.
     */
    static final Pattern CALENDAR = Pattern.compile("[A-Za-z0-9*.,/:~_+ -]{1,100}");
    /** An absolute path of plain characters: it is written into unit files and scripts. */
    static final Pattern ABSOLUTE_PATH = Pattern.compile("(/[A-Za-z0-9._+-]+)+");
}
