package dev.kubeha.plan;

import com.pulumi.test.Mocks;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan's placeholder secrets depend on what they belong to, not on when it registered: the SDK registers a plan's
 * resources in no fixed order, and a change plan compares two plans' inputs ({@link Planner#change}).
 */
class PlanMocksTest {
    static final ClusterConfig CONFIG = Stacks.config("vagrant", Map.of());

    static String password(PlanMocks mocks, String name) {
        Mocks.ResourceResult r = mocks.newResourceAsync(new Mocks.ResourceArgs("random:index/randomPassword:RandomPassword",
                name, Map.of("length", 16), null, null)).join();
        return (String) ((Map<?, ?>) r.state).get("result");
    }

    @Test
    void aPlaceholderSecretIsTheSameWhateverTheOrderOfRegistration() {
        PlanMocks first = new PlanMocks(CONFIG);
        String a = password(first, "keepalived-auth");
        String b = password(first, "bootstrap-token");
        PlanMocks second = new PlanMocks(CONFIG);
        String b2 = password(second, "bootstrap-token");
        String a2 = password(second, "keepalived-auth");
        assertEquals(a, a2);
        assertEquals(b, b2);
        assertNotEquals(a, b, "each resource its own");
        assertEquals(16, a.length());
        assertTrue(first.secrets().containsAll(List.of(a, b)), "both masked in the plan's output");
    }
}
