package dev.kubeha.testing;

/**
 * How test classes share the machine (src/test/resources/junit-platform.properties). By default a class runs on the
 * sequential lane, one class after another: the Pulumi SDK keeps its deployment in a static global, and the machine
 * lab has one network per JVM. A class that touches neither (a script test: bash, stubs, its own temporary
 * directory) says {@code @Execution(CONCURRENT)} and runs beside them (two threads, src/test/resources/junit-platform.properties). A class that binds fixed
 * loopback ports also holds {@link #LOOPBACK_PORTS}. A class that asserts wall-clock bounds (a VIP move in under
 * 0.5 s) is {@code @Isolated}: JUnit runs it alone, after the rest, so no other test takes its CPU.
 */
public final class TestLanes {
    /** Fixed 127.0.0.x ports: etcd's 2379/2380 on loopback addresses, HAProxy's stats port. */
    public static final String LOOPBACK_PORTS = "loopback-ports";

    private TestLanes() {
    }
}
