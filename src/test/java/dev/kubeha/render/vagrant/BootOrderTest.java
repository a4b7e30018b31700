package dev.kubeha.render.vagrant;

import dev.kubeha.Main;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order the VMs boot in is what the engine is told (each {@code <node>-vm} depends on the VM it boots after), so
 * the plan's timeline is what happens: VirtualBox one VM at a time in stack order, libvirt the first alone and then
 * {@value BootOrder#LIBVIRT_PARALLEL} at a time.
 */
class BootOrderTest {
    private static final Map<String, String> LIBVIRT = Map.of("vagrantProvider", "libvirt",
            "workers", "[" + String.join(",", IntStream.rangeClosed(1, 12)
                    .mapToObj(i -> "\"w" + i + "=192.168.56." + (30 + i) + "\"").toList()) + "]");

    @Test
    void onVirtualBoxEachVmWaitsForThePreviousOneInStackOrder() {
        ClusterConfig config = Stacks.vagrant();
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        List<Node> nodes = config.allNodes();
        for (int i = 0; i < nodes.size(); i++) {
            List<String> vms = vmDependencies(program, nodes.get(i));
            assertEquals(i == 0 ? List.of() : List.of(nodes.get(i - 1).name() + "-vm"), vms, nodes.get(i).name());
        }
    }

    @Test
    void onVirtualBoxThePlanBootsOneVmAtATimeInStackOrder() throws Exception {
        Planner.Plan plan = Planner.plan("vagrant", Stacks.raw("vagrant", Map.of()), Main::stack);
        List<Planner.Step> vms = vmSteps(plan);
        assertEquals(plan.config().allNodes().stream().map(n -> n.name() + "-vm").toList(), vms.stream().map(Planner.Step::name).toList(),
                "in stack order: load balancers, control plane, workers");
        for (int i = 1; i < vms.size(); i++) {
            assertEquals(vms.get(i - 1).end(), vms.get(i).start(), vms.get(i).name() + " starts when the one before is up");
        }
        assertEquals(1, mostAtOnce(vms));
        assertTrue(PlanReport.text(plan).contains("VMs boot one at a time, in stack order"));
    }

    @Test
    void onLibvirtTheFirstVmBootsAloneThenAFewAtATime() {
        ClusterConfig config = Stacks.config("vagrant", LIBVIRT);
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", LIBVIRT), Main::stack);
        List<Node> nodes = config.allNodes();
        int k = BootOrder.LIBVIRT_PARALLEL;
        for (int i = 0; i < nodes.size(); i++) {
            List<String> expected = i == 0 ? List.of() : List.of(nodes.get(Math.max(0, i - k)).name() + "-vm");
            assertEquals(expected, vmDependencies(program, nodes.get(i)), nodes.get(i).name());
        }
    }

    @Test
    void onLibvirtThePlanBootsTheFirstAloneThenFourAtATime() throws Exception {
        Planner.Plan plan = Planner.plan("vagrant", Stacks.raw("vagrant", LIBVIRT), Main::stack);
        List<Planner.Step> vms = vmSteps(plan);
        Planner.Step first = plan.step(plan.config().allNodes().get(0).name() + "-vm");
        assertEquals(0, first.start());
        for (Planner.Step vm : vms) {
            assertTrue(vm == first || vm.start() >= first.end(), vm.name() + " boots once the first VM is up");
        }
        assertEquals(BootOrder.LIBVIRT_PARALLEL, mostAtOnce(vms));
        double boot = first.end() - first.start();
        int rounds = (vms.size() - 1 + BootOrder.LIBVIRT_PARALLEL - 1) / BootOrder.LIBVIRT_PARALLEL;
        assertEquals(boot * (1 + rounds), vms.stream().mapToDouble(Planner.Step::end).max().orElseThrow(),
                "17 VMs: the first, then 4 rounds of 4");
        assertTrue(PlanReport.text(plan).contains("VMs boot in stack order, the first alone, then 4 at a time"));
    }

    @Test
    void existingHostsHaveNoBootOrder() throws Exception {
        Planner.Plan plan = Planner.plan("existing", Stacks.raw("existing",
                Map.of("sshPrivateKeyPath", "", "sshAgentSocket", "/run/user/1000/agent.sock")), Main::stack);
        assertTrue(vmSteps(plan).isEmpty());
        assertFalse(PlanReport.text(plan).contains("VMs boot"));
    }

    private static List<String> vmDependencies(ProgramRun program, Node node) {
        return program.dependenciesOf(node.name() + "-vm").stream().filter(d -> d.endsWith("-vm")).toList();
    }

    private static List<Planner.Step> vmSteps(Planner.Plan plan) {
        return plan.steps().stream().filter(s -> s.type().equals("command:local:Command") && s.name().endsWith("-vm"))
                .sorted(Comparator.comparingDouble(Planner.Step::start)).toList();
    }

    /** The most VM boots under way at one moment. */
    private static int mostAtOnce(List<Planner.Step> vms) {
        List<Double> moments = new ArrayList<>();
        vms.forEach(v -> moments.add(v.start()));
        return moments.stream().mapToInt(t -> (int) vms.stream().filter(v -> v.start() <= t && t < v.end()).count()).max().orElse(0);
    }
}
