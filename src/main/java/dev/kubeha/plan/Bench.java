package dev.kubeha.plan;

import com.pulumi.Context;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.RawConfig;
import dev.kubeha.config.StackFile;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Simulated benchmarks of the offline plan (no machine contacted), for stacks of existing hosts with 2 load
 * balancers, 3 control-plane nodes and N workers, all from {@link StepDurations}:
 * <ul>
 * <li>the first {@code pulumi up}: its makespan, its ratio to a critical-path bound computed from the same durations
 *     with only the necessary dependencies ({@link #bound}), and the seed guide's play order ({@link #seedGuide});</li>
 * <li>a rolling upgrade to the next minor with the default {@code upgradeWorkerBatch} and one worker at a time.</li>
 * </ul>
 */
public final class Bench {
    private Bench() {
    }

    /** One first {@code pulumi up}. */
    public record FirstUp(int workers, double makespan, double bound, double seedGuide, int peakSessions, String peakHost) {
    }

    /** One rolling upgrade. */
    public record Upgrade(int workers, String batch, double makespan, int peakSessions, String peakHost) {
    }

    /** The stack the benchmarks plan: existing hosts, {@code workers} workers, one more key if given. */
    public static RawConfig stack(int workers, String version, Map<String, String> extra) {
        return StackFile.parse("bench", stackFile(workers, version, extra));
    }

    /** The nodes of a benchmark stack of {@code workers} workers (2 load balancers, 3 control-plane nodes). */
    public static int nodes(int workers) {
        return 5 + workers;
    }

    /** {@link #stack}'s Pulumi.STACK.yaml text. */
    public static String stackFile(int workers, String version, Map<String, String> extra) {
        StringBuilder yaml = new StringBuilder("""
                config:
                  kubeha:provisioner: existing
                  kubeha:vip: 10.0.0.100
                  kubeha:vipPrefixLength: 16
                  kubeha:podSubnet: 10.128.0.0/12
                  kubeha:sshUser: ubuntu
                  kubeha:sshAgentSocket: /run/user/1000/ssh-agent.sock
                  kubeha:loadBalancers: [lb1=10.0.0.5, lb2=10.0.0.6]
                  kubeha:controlPlaneNodes: [cp1=10.0.0.11, cp2=10.0.0.12, cp3=10.0.0.13]
                """);
        yaml.append("  kubeha:kubernetesVersion: \"").append(version).append("\"\n");
        yaml.append("  kubeha:workers: [").append(IntStream.rangeClosed(1, workers)
                .mapToObj(i -> "w" + i + "=10.0." + (1 + (i - 1) / 250) + "." + (1 + (i - 1) % 250))
                .collect(Collectors.joining(", "))).append("]\n");
        extra.forEach((k, v) -> yaml.append("  kubeha:").append(k).append(": \"").append(v).append("\"\n"));
        return yaml.toString();
    }

    public static FirstUp firstUp(int workers, Consumer<Context> program) {
        Planner.Plan plan = Planner.plan("bench", stack(workers, "1.33", Map.of()), program);
        if (!plan.errors().isEmpty()) {
            throw new IllegalStateException(String.join("\n", plan.errors()));
        }
        Map.Entry<String, Integer> peak = peakOf(plan);
        return new FirstUp(workers, plan.total(), bound(plan.config()), seedGuide(plan.config()), peak.getValue(), peak.getKey());
    }

    public static Upgrade upgrade(int workers, String batch, Consumer<Context> program) {
        Map<String, String> extra = Map.of("upgradeWorkerBatch", batch);
        Planner.Plan plan = Planner.change("bench", stack(workers, "1.33", extra), stack(workers, "1.34", extra), program);
        Map.Entry<String, Integer> peak = peakOf(plan);
        return new Upgrade(workers, batch, plan.total(), peak.getValue(), peak.getKey());
    }

    private static Map.Entry<String, Integer> peakOf(Planner.Plan plan) {
        return plan.peakSessions().entrySet().stream().max(Map.Entry.comparingByValue()).orElse(Map.entry("", 0));
    }

    /**
     * The first {@code pulumi up} with only the necessary dependencies: the load balancers (install, configure) and
     * the first node's preparation before init; the admin kubeconfig after init; the control-plane joins
     * (credentials, join) one after another; every worker's (credentials, join, registration) in parallel; the
     * CNI after init; the readiness gate last.
     */
    static double bound(ClusterConfig c) {
        int prepare = step("prepare");
        double lb = step("install") + step("configure");
        double admin = Math.max(lb, prepare) + step("init") + step("kubeconfig");
        double controlPlane = admin + (c.controlPlane().size() - 1) * (step("credentials") + step("join"));
        double workers = c.workers().isEmpty() ? 0 : Math.max(admin, prepare) + step("credentials")
                + StepDurations.WORKER_JOIN + StepDurations.REGISTRATION;
        double cni = admin + StepDurations.TYPES.get("kubernetes:helm.sh/v3:Release");
        return Math.max(Math.max(controlPlane, workers), cni) + step("readiness");
    }

    /**
     * The seed guide's play order (ha-setup-guide.md, "The playbook will"), Ansible running each play on five hosts
     * at a time (its default {@code forks = 5}): the load balancers; the preparation of every Kubernetes node in
     * batches of five; init; the control-plane joins one after another; the workers' joins in batches of five; the
     * CNI. No readiness gate (the guide has none).
     */
    static double seedGuide(ClusterConfig c) {
        int forks = 5;
        double lb = Math.ceil(c.loadBalancers().size() / (double) forks) * (step("install") + step("configure"));
        double prepare = Math.ceil(c.kubernetesNodes().size() / (double) forks) * step("prepare");
        double init = step("init") + step("kubeconfig");
        double joins = (c.controlPlane().size() - 1) * (step("credentials") + step("join"));
        double workers = Math.ceil(c.workers().size() / (double) forks) * StepDurations.WORKER_JOIN;
        return lb + prepare + init + joins + workers + StepDurations.TYPES.get("kubernetes:helm.sh/v3:Release");
    }

    private static int step(String name) {
        return StepDurations.COMMAND_STEPS.get(name);
    }

    /** The benchmark tables, as Markdown. */
    public static String report(List<Integer> sizes, int upgradeWorkers, Consumer<Context> program) {
        StringBuilder s = new StringBuilder();
        s.append("First `pulumi up`, simulated (existing hosts: 2 load balancers, 3 control-plane nodes, N workers):\n\n");
        s.append("| workers | makespan | critical-path bound | ratio | seed guide's order | kubeha / seed guide | peak SSH sessions on one host |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int n : sizes) {
            FirstUp r = firstUp(n, program);
            s.append(String.format("| %d | %s | %s | %.2fx | %s | %.2fx | %d (%s) |%n", n, PlanReport.clock(r.makespan()),
                    PlanReport.clock(r.bound()), r.makespan() / r.bound(), PlanReport.clock(r.seedGuide()),
                    r.makespan() / r.seedGuide(), r.peakSessions(), r.peakHost()));
        }
        s.append("\nRolling upgrade 1.33 -> 1.34, simulated (").append(upgradeWorkers).append(" workers):\n\n");
        s.append("| upgradeWorkerBatch | makespan | peak SSH sessions on one host |\n|---|---:|---:|\n");
        for (String batch : List.of(defaultBatch(), "1")) {
            Upgrade u = upgrade(upgradeWorkers, batch, program);
            s.append(String.format("| %s | %s | %d (%s) |%n", batch, PlanReport.clock(u.makespan()), u.peakSessions(), u.peakHost()));
        }
        return s.toString();
    }

    private static String defaultBatch() {
        return dev.kubeha.config.ProjectSchema.get().key("upgradeWorkerBatch").flatMap(dev.kubeha.config.ProjectSchema.Key::defaultValue)
                .map(d -> d.asText()).orElseThrow();
    }
}
