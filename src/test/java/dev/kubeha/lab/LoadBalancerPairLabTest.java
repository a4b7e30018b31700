package dev.kubeha.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The load-balancer pair on two booted machines, with stand-in API servers on three control-plane machines. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancerPairLabTest {
    private static MachineLab lab;
    private static StepRunner runner;
    private static Map<String, String> stack;

    @BeforeAll
    static void boot() {
        String reason = MachineLab.unavailableReason();
        assumeTrue(reason == null, reason);
        lab = new MachineLab(List.of("lb1", "lb2", "cp1", "cp2", "cp3"));
        runner = new StepRunner(lab.ssh, lab.dir, 600);
        stack = lab.stack(Map.of("loadBalancers", MachineLab.nodes("lb1", "lb2"),
                "controlPlaneNodes", MachineLab.nodes("cp1", "cp2", "cp3")));
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            runner.close();
            lab.close();
            assertEquals(List.of(), lab.leftovers(), "the lab left these behind");
        }
    }

    @Test
    @Order(1)
    void installAndConfigure() {
        StepRunner.Run run = runner.up("lab", stack, LabPrograms::loadBalancers);
        assertTrue(run.ok(), () -> String.join("\n", run.errors()));
        System.out.println(run.ops());
        Ssh.Result r = lab.root("lb1", "systemctl is-active haproxy keepalived kubeha-haproxy-watch; ip -4 -o addr show dev eth0");
        System.out.println(r);
        assertTrue(r.stdout().contains(MachineLab.VIP + "/"), r.toString());
    }
}
