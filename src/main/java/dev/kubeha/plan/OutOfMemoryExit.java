package dev.kubeha.plan;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Ends the command-line tool with a message and exit code {@link #EXIT_CODE} when the heap is too small, instead of
 * hanging. The SDK's threads die of an {@link OutOfMemoryError} that nothing waits for (com.pulumi:pulumi 1.36.1
 * DeploymentImpl.DefaultRunner's loop catches only {@link Exception}), so the run never completes; and a JVM flag such
 * as {@code -XX:+ExitOnOutOfMemoryError} can be given neither from inside the jar nor by its manifest (the JAR
 * specification has no attribute for JVM options). Two ways out, whichever comes first:
 * <ul>
 * <li>an {@link OutOfMemoryError} that ends a thread (the default uncaught-exception handler);</li>
 * <li>a watchdog that sees the collector thrash: over {@link #WINDOW_MILLIS} at least {@link #GC_SHARE} of the time
 *     spent collecting, with the heap still {@link #FULL} full after collections (what HotSpot's own GC overhead limit
 *     looks at, which only the parallel collector has), for errors that a future swallowed.</li>
 * </ul>
 * The message is prepared before it is needed and written once, without allocating; a reserve block is freed first.
 * The SDK's own report of the error (its trace, "failed with an unhandled exception") is not printed ({@link Recorder}).
 * Only the real process installs it ({@link dev.kubeha.Main}); in-process callers of the tool never exit.
 */
public final class OutOfMemoryExit {
    public static final int EXIT_CODE = 3;
    static final long WINDOW_MILLIS = 10_000;
    static final double GC_SHARE = 0.9;
    static final double FULL = 0.9;
    private static final long POLL_MILLIS = 250;
    private static final int RESERVE_BYTES = 2 << 20;

    private static volatile byte[] message = bytes(text(0, Runtime.getRuntime().maxMemory()));
    @SuppressWarnings("unused")  // held only to be freed when the heap runs out
    private static volatile byte[] reserve;
    private static boolean said;

    private OutOfMemoryExit() {
    }

    /** The message for a plan of {@code nodes} nodes (0: not known yet) in a heap of {@code maxHeap} bytes. */
    static String text(int nodes, long maxHeap) {
        // Measured: a plan of 505 nodes fails in 256 MB and runs in 384 MB, so about 3/4 MB per node.
        long needed = Math.max(Math.max(256, 2 * (maxHeap >> 20)), 128 + 3L * nodes / 4);
        long suggested = (needed + 63) / 64 * 64;
        String what = nodes > 0 ? "a plan of " + nodes + " nodes" : "this command";
        return "kubeha: not enough memory for " + what + ": run java with -Xmx" + suggested + "m (KUBEHA_JAVA_OPTS=-Xmx"
                + suggested + "m ./kubeha ..., or java -Xmx" + suggested + "m -jar target/kubeha.jar ...); it had "
                + (maxHeap >> 20) + " MB\n";
    }

    /** Installs the handler and the watchdog. */
    public static void install() {
        reserve = new byte[RESERVE_BYTES];
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (causedByOutOfMemory(error)) {
                exit();
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                thread.getThreadGroup().uncaughtException(thread, error);
            }
        });
        Thread watchdog = new Thread(OutOfMemoryExit::watch, "kubeha-out-of-memory-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** From now on the message names the plan's size. */
    public static void planning(int nodes) {
        message = bytes(text(nodes, Runtime.getRuntime().maxMemory()));
    }

    /** The message, for the thread that catches the error itself; empty once it was written. */
    public static String message() {
        return claim() ? new String(message, StandardCharsets.UTF_8) : "";
    }

    /** True for the first caller only: the message is written once. */
    private static synchronized boolean claim() {
        if (said) {
            return false;
        }
        said = true;
        return true;
    }

    public static boolean causedByOutOfMemory(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** Writes the message and halts (no shutdown hooks: they may wait for the threads that died). */
    static void exit() {
        reserve = null;
        try {
            if (claim()) {
                new FileOutputStream(FileDescriptor.err).write(message);
            }
        } catch (IOException | OutOfMemoryError ignored) {
            // Nothing more can be said; the exit code still tells.
        }
        Runtime.getRuntime().halt(EXIT_CODE);
    }

    private static void watch() {
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()).toList();
        long max = Runtime.getRuntime().maxMemory();
        int samples = (int) (WINDOW_MILLIS / POLL_MILLIS);
        long[] gcTimes = new long[samples];
        long[] wallTimes = new long[samples];
        for (long n = 0; ; n++) {
            int i = (int) (n % samples);
            gcTimes[i] = collectors.stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
            wallTimes[i] = System.nanoTime() / 1_000_000;
            if (n >= samples) {
                int oldest = (i + 1) % samples;
                double gcShare = (gcTimes[i] - gcTimes[oldest]) / (double) Math.max(1, wallTimes[i] - wallTimes[oldest]);
                long live = heap.stream().map(MemoryPoolMXBean::getCollectionUsage)
                        .filter(u -> u != null).mapToLong(MemoryUsage::getUsed).sum();
                if (thrashing(gcShare, live, max)) {
                    exit();
                }
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The collector spends most of the time collecting, and the heap stays nearly full after its collections. */
    static boolean thrashing(double gcShare, long liveAfterCollections, long maxHeap) {
        return gcShare >= GC_SHARE && liveAfterCollections >= FULL * maxHeap;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
