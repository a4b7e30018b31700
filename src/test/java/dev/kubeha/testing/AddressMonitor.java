package dev.kubeha.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Streams {@code ip -n NAMESPACE monitor address} and calls back, on the reader's thread, each time one address comes
 * ({@code true}) or goes ({@code false}) in that namespace: the kernel's own report of a VIP move, with no polling
 * and no process start between the event and the callback. {@link #close()} stops the monitor.
 */
public final class AddressMonitor implements AutoCloseable {
    private final Process process;

    private AddressMonitor(Process process) {
        this.process = process;
    }

    /** Starts watching {@code address} in {@code namespace}; the callback gets whether it was added. */
    public static AddressMonitor start(String namespace, String address, Consumer<Boolean> onChange) {
        Process p;
        try {
            p = new ProcessBuilder("ip", "-n", namespace, "monitor", "address").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains(" " + address + "/")) {
                        onChange.accept(!line.startsWith("Deleted"));
                    }
                }
            } catch (IOException ignored) {
                // the monitor was stopped
            }
        }, "address-monitor-" + namespace);
        reader.setDaemon(true);
        reader.start();
        return new AddressMonitor(p);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
