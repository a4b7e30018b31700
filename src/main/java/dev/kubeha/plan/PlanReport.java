package dev.kubeha.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Provisioner;
import dev.kubeha.plan.Planner.Plan;
import dev.kubeha.plan.Planner.Step;
import dev.kubeha.render.vagrant.BootOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Renders a plan: as text (tree, timeline, critical path), as JSON, and as the files each host would receive. */
public final class PlanReport {
    /** How many first characters {@link #mask} looks a secret up by. */
    private static final int START = 4;

    private PlanReport() {
    }

    /** One line about the cluster. */
    public static String summary(String stack, ClusterConfig c) {
        return "stack " + stack + ": " + c.loadBalancers().size() + " load balancers, " + c.controlPlane().size()
                + " control-plane nodes, " + (c.externalEtcd() ? c.etcdNodes().size() + " etcd nodes (external etcd), " : "")
                + c.workers().size() + " workers; VIP " + c.apiEndpoint() + "; Kubernetes "
                + c.kubernetesVersion() + "; " + c.cni().name().toLowerCase() + "; machines: "
                + c.provisioner().name().toLowerCase();
    }

    /** How the cluster's certificates and kubeha's own credential stay valid. */
    static String certificates(ClusterConfig c) {
        String checks = c.certificateRenewalDays() == 0
                ? "not checked (certificateRenewalDays: 0): only a Kubernetes upgrade renews the control plane's certificates"
                : "checked on the first pulumi up of each UTC day (<node>-certificates, one control-plane node at a time) "
                + "and renewed when the first expires within " + c.certificateRenewalDays() + " days, the node's "
                + "control-plane pods restarted one by one"
                + (c.externalEtcd() ? "; the external etcd's too, from the etcd CA in the stack's state: each etcd "
                + "node's (<node>-etcd-certificates, one etcd node at a time, etcd reading them at its next connections) "
                + "and the API server's client certificate (<node>-etcd-client-certificate)" : "");
        return "Certificates: " + checks + ". The exported kubeconfig is kubeha's own credential, valid until the "
                + "cluster CA expires (ten years after kubeadm init).";
    }

    public static String text(Plan plan) {
        StringBuilder s = new StringBuilder();
        s.append("kubeha plan for ").append(summary(plan.stack(), plan.config())).append('\n');
        s.append("(offline: the program ran under the Pulumi SDK's mock engine; no machine was contacted; secrets show as [secret])\n\n");
        s.append("Resources (").append(plan.steps().size()).append("), in creation order:\n");
        tree(plan, s);
        s.append("\nSimulated timeline (typical durations: dev.kubeha.plan.StepDurations").append(vmBoots(plan.config())).append("):\n");
        s.append(String.format("%9s %9s  %-32s %s%n", "start", "end", "resource", "host"));
        for (Step step : plan.steps()) {
            if (step.end() > step.start()) {
                s.append(String.format("%9s %9s  %-32s %s%s%n", clock(step.start()), clock(step.end()), step.name(), step.host(),
                        step.durationKnown() ? "" : "  (duration unknown, assumed)"));
            }
        }
        s.append("\nCritical path (").append(clock(plan.total())).append("): ").append(String.join(" -> ", plan.criticalPath())).append('\n');
        s.append("Peak concurrent SSH sessions per host (sshd's default MaxStartups begins refusing beyond 10): ")
                .append(plan.peakSessions().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(java.util.stream.Collectors.joining(", "))).append('\n');
        s.append('\n').append(certificates(plan.config())).append('\n');
        if (!plan.errors().isEmpty()) {
            s.append("\nThe program reported errors:\n");
            plan.errors().forEach(e -> s.append("  ").append(e).append('\n'));
        }
        return mask(plan, s.toString());
    }

    /** How the VMs boot (BootOrder), for the timeline's title. */
    private static String vmBoots(ClusterConfig c) {
        if (c.provisioner() != Provisioner.VAGRANT) {
            return "";
        }
        int parallel = BootOrder.parallel(c.vagrant().provider());
        return parallel == 1 ? "; VMs boot one at a time, in stack order"
                : "; VMs boot in stack order, the first alone, then " + parallel + " at a time";
    }

    /** The resource tree: the stack (or, without one, every resource that has no parent) and its children. */
    private static void tree(Plan plan, StringBuilder s) {
        Map<String, List<Step>> children = new HashMap<>();
        plan.steps().forEach(step -> children.computeIfAbsent(step.parent(), p -> new ArrayList<>()).add(step));
        List<Step> roots = children.getOrDefault("", List.of());
        List<Step> stack = roots.stream().filter(step -> step.type().equals("pulumi:pulumi:Stack")).toList();
        tree(children, stack.isEmpty() ? roots : stack, 0, s);
    }

    private static void tree(Map<String, List<Step>> children, List<Step> level, int depth, StringBuilder s) {
        for (Step step : level) {
            s.append("  ".repeat(depth + 1)).append(step.type()).append(' ').append(step.name());
            if (!step.host().isEmpty()) {
                s.append("  on ").append(step.host());
            }
            List<String> waits = step.waitsFor().stream().filter(w -> !w.equals(step.parent())).toList();
            if (!waits.isEmpty()) {
                s.append("  waits for ").append(String.join(", ", waits));
            }
            s.append('\n');
            tree(children, children.getOrDefault(step.name(), List.of()), depth + 1, s);
        }
    }

    /** The JSON document described in the README. */
    public static String json(Plan plan) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("stack", plan.stack());
        doc.put("summary", summary(plan.stack(), plan.config()));
        doc.put("totalSeconds", plan.total());
        doc.put("criticalPath", plan.criticalPath());
        doc.put("peakSessions", plan.peakSessions());
        List<Map<String, Object>> resources = new ArrayList<>();
        for (Step step : plan.steps()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", step.type());
            r.put("name", step.name());
            r.put("parent", step.parent().isEmpty() ? null : step.parent());
            r.put("host", step.host().isEmpty() ? null : step.host());
            r.put("dependencies", step.waitsFor());
            r.put("start", step.start());
            r.put("end", step.end());
            r.put("durationKnown", step.durationKnown());
            resources.add(r);
        }
        doc.put("resources", resources);
        doc.put("errors", plan.errors());
        try {
            return mask(plan, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc)) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes every script and file each host would receive, one folder per host: {@code NN-<resource>.sh} is a
     * remote command's stdin (its script), {@code .delete.sh} its teardown command, local commands' create and
     * delete under {@code local/}, Helm values under {@code cluster/}. Byte for byte what the commands carry, with
     * secrets as [secret]. Returns the files written.
     */
    public static List<Path> writeFiles(Plan plan, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        Map<String, Integer> counters = new LinkedHashMap<>();
        for (Step step : plan.steps().stream().sorted(Comparator.comparingDouble(Step::start)).toList()) {
            Map<String, Object> in = step.registration().inputs();
            if (step.type().startsWith("command:")) {
                String host = step.host().isEmpty() ? "unknown" : step.host();
                int n = counters.merge(host, 1, Integer::sum);
                String base = String.format("%02d-%s", n, step.name());
                if (in.get("stdin") instanceof String stdin) {
                    written.add(write(plan, dir.resolve(host).resolve(base + ".sh"), stdin));
                }
                if (in.get("create") instanceof String create && !(in.get("stdin") instanceof String)) {
                    written.add(write(plan, dir.resolve(host).resolve(base + ".create.sh"), create));
                }
                if (in.get("delete") instanceof String delete) {
                    written.add(write(plan, dir.resolve(host).resolve(base + ".delete.sh"), delete));
                }
            } else if (step.type().equals("kubernetes:helm.sh/v3:Release") && in.get("values") instanceof Map<?, ?> values) {
                written.add(write(plan, dir.resolve("cluster").resolve(step.name() + "-values.yaml"),
                        new ObjectMapper(new YAMLFactory()).writeValueAsString(values)));
            }
        }
        return written;
    }

    private static Path write(Plan plan, Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, mask(plan, content));
        return file;
    }

    /**
     * Every placeholder secret replaced by [secret]: one pass over the text, the longest secret that starts at a
     * position first (a plan of 500 workers has over a thousand placeholders, and its text megabytes).
     */
    public static String mask(Plan plan, String text) {
        Map<String, List<String>> byStart = new HashMap<>();
        for (String secret : plan.secrets()) {
            if (!secret.isEmpty()) {
                byStart.computeIfAbsent(secret.substring(0, Math.min(START, secret.length())), k -> new ArrayList<>()).add(secret);
            }
        }
        byStart.values().forEach(l -> l.sort(Comparator.comparingInt(String::length).reversed()));
        Set<Integer> startLengths = byStart.keySet().stream().map(String::length).collect(Collectors.toSet());
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            String found = null;
            for (int length : startLengths) {
                if (i + length <= text.length()) {
                    for (String secret : byStart.getOrDefault(text.substring(i, i + length), List.of())) {
                        if (text.startsWith(secret, i) && (found == null || secret.length() > found.length())) {
                            found = secret;
                        }
                    }
                }
            }
            if (found == null) {
                out.append(text.charAt(i++));
            } else {
                out.append("[secret]");
                i += found.length();
            }
        }
        return out.toString();
    }


    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
