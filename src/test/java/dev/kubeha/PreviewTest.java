package dev.kubeha;

import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code pulumi preview} tells the truth: in a preview the outputs of a step that is updated are unknown (see
 * {@link dev.kubeha.engine.PreviewOutputs}), so nothing that only updates may feed a trigger or a provider's inputs;
 * a patch bump or a changed script previews updates, never a replacement.
 */
class PreviewTest {
    static final Map<String, String> PATCH = Map.of("kubernetesVersion", "1.31.1");

    static void assertNothingReplaced(Deployment d) {
        assertEquals(List.of(), d.errors());
        assertEquals(Set.of(), d.with(Change.REPLACE), "previewed as replaced (a kubeadm reset, a new CNI)");
        assertEquals(Set.of(), d.deleted(), "previewed as deleted");
    }

    @Test
    void aPatchBumpPreviewsNoReplacement() {
        Deployment d = Engine.change("vagrant", PATCH, Map.of("kubernetesVersion", "1.31.2"), true);
        assertNothingReplaced(d);
        assertEquals(true, d.with(Change.UPDATE).contains("k8s-master1-init"), "init is updated in place: " + d.touched());
    }

    @Test
    void aChangedInitScriptPreviewsNoReplacement() {
        assertNothingReplaced(Engine.change("vagrant", Map.of(), Map.of(), true,
                Engine.scriptsChangedAfter("# ---- kubeadm/init.sh ----")));
    }

    @Test
    void aChangedOsLibraryPreviewsNoReplacement() {
        assertNothingReplaced(Engine.change("vagrant", Map.of(), Map.of(), true,
                Engine.scriptsChangedAfter("# ---- lib/os.sh ----")));
    }

    @Test
    void aChangedSshSettingPreviewsNoReplacement() {
        assertNothingReplaced(Engine.preview(Map.of("sshDialErrorLimit", "60")));
        assertNothingReplaced(Engine.change("existing", ReplacementTest.EXISTING_KEY, Map.of("sshDialErrorLimit", "60"), true));
    }

    @Test
    void anUpOfAPatchBumpReplacesNothingEither() {
        assertNothingReplaced(Engine.change("vagrant", PATCH, Map.of("kubernetesVersion", "1.31.2"), false));
    }
}
