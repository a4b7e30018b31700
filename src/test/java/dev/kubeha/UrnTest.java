package dev.kubeha;

import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The engine knows a resource by its URN (stack, project, parent types, type, name:
 * pulumi/pulumi:pkg/resource/deploy/deployment.go, generateURN). A URN that disappears is a delete of what it names
 * (a VM destroyed, a node reset, a secret drawn again) unless the resource that replaces it claims it as an alias
 * (step_generator.go, generateSteps: the old state is looked up by URN, then by alias). Each shipped stack's URNs
 * are kept here (an existing host's {@code <node>-host} id is what all of that host's steps are rebuilt with); a
 * rename or re-parent must come with an alias.
 */
class UrnTest {
    @ParameterizedTest
    @ValueSource(strings = {"vagrant", "existing"})
    void aStacksUrnsChangeOnlyWithAnAlias(String stack) {
        Map<String, String> key = stack.equals("existing") ? ReplacementTest.EXISTING_KEY : Map.of();
        ProgramRun run = ProgramRun.of(Stacks.raw(stack, key), Main::stack);
        assertEquals(0, run.result.exitCode(), () -> String.join("\n", run.result.errors()));
        List<Registration> all = run.registrations();
        Set<String> current = all.stream().map(Registration::urn).collect(Collectors.toCollection(TreeSet::new));
        Set<String> claimed = all.stream().flatMap(r -> r.aliases().stream()).collect(Collectors.toSet());
        Set<String> golden = new TreeSet<>(Golden.read("urns", stack).lines().toList());
        Set<String> lost = new TreeSet<>(golden);
        lost.removeAll(current);
        lost.removeAll(claimed);
        assertEquals(Set.of(), lost, "these resources would be deleted: renamed or re-parented without an alias");
        Golden.assertMatches("urns", stack, current.stream().map(u -> u + "\n").collect(Collectors.joining()));
    }
}
