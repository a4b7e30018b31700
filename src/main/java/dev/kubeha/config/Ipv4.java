package dev.kubeha.config;

import java.util.Optional;
import java.util.regex.Pattern;

/** Strict dotted-quad IPv4 parsing (no leading zeros, no short forms), as unsigned 32-bit values in a long. */
public final class Ipv4 {
    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private Ipv4() {
    }

    public static boolean isValid(String text) {
        return text != null && DOTTED_QUAD.matcher(text).matches();
    }

    public static Optional<Long> parse(String text) {
        if (!isValid(text)) {
            return Optional.empty();
        }
        long value = 0;
        for (String part : text.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return Optional.of(value);
    }

    public static String format(long value) {
        return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
    }
}
