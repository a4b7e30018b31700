package dev.kubeha.engine;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.plan.Recorder;
import dev.kubeha.providers.command.local.Command;
import dev.kubeha.providers.command.local.CommandArgs;
import dev.kubeha.testing.ClusterMocks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model's rules on a small program whose outcome the engine's source states outright
 * (pulumi/pulumi:pkg/resource/deploy/step_generator.go): a delete-before-replace tears down only what takes a
 * replace-triggering input from the replaced resource (or from another torn-down one), not what merely waits for it
 * or takes an ordinary input from it; teardown in reverse, rebuild in order.
 */
class EngineModelTest {
    /** root; waiter (dependsOn root); follower (triggers: root's id); reader (stdin: root's stdout); next (triggers: follower's id). */
    static Consumer<Context> program(String rootTrigger, boolean protectFollower) {
        return ctx -> {
            CustomResourceOptions dbr = CustomResourceOptions.builder().deleteBeforeReplace(true).build();
            Command root = new Command("root", CommandArgs.builder().create("up").triggers(Output.of(List.<Object>of(rootTrigger)))
                    .build(), dbr);
            new Command("waiter", CommandArgs.builder().create("wait").build(),
                    CustomResourceOptions.builder().dependsOn(root).deleteBeforeReplace(true).build());
            Command follower = new Command("follower", CommandArgs.builder().create("follow")
                    .triggers(root.id().applyValue(id -> List.<Object>of(id))).build(),
                    CustomResourceOptions.builder().deleteBeforeReplace(true).protect(protectFollower).build());
            new Command("reader", CommandArgs.builder().create("read").stdin(root.stdout()).build(), dbr);
            new Command("next", CommandArgs.builder().create("next")
                    .triggers(follower.id().applyValue(id -> List.<Object>of(id))).build(), dbr);
        };
    }

    static Deployment run(Consumer<Context> before, Consumer<Context> after, boolean preview) {
        Recorder.Recording state = Recorder.record("s", Map.of(), new ClusterMocks(), before);
        EngineModel model = new EngineModel("s", state.registrations(), preview, new ClusterMocks());
        Recorder.record("s", Map.of(), model, preview, after);
        return model.finish();
    }

    @Test
    void aDeleteBeforeReplaceTearsDownWhatItsTriggersComeFromInReverse() {
        Deployment d = run(program("a", false), program("b", false), false);
        assertEquals(List.of(), d.errors());
        assertEquals(List.of(new Op(Op.Kind.DELETE, "next"), new Op(Op.Kind.DELETE, "follower"),
                new Op(Op.Kind.DELETE, "root"),
                new Op(Op.Kind.CREATE, "root"), new Op(Op.Kind.CREATE, "follower"), new Op(Op.Kind.CREATE, "next")),
                d.opsOn(Set.of("root", "follower", "next")));
        assertEquals(Change.SAME, d.changes().get("waiter"), "a dependsOn edge alone does not cascade");
        assertEquals(Change.SAME, d.changes().get("reader"),
                "an ordinary input from the root does not cascade (in an up, the mock prints the same stdout again)");
    }

    @Test
    void aPreviewShowsAnUpdatedInputFromAChangedResourceAsUnknown() {
        Deployment d = run(program("a", false), program("b", false), true);
        assertEquals(Change.UPDATE, d.changes().get("reader"), "its stdin is unknown in the preview: an update");
        assertEquals(Change.REPLACE, d.changes().get("follower"));
    }

    @Test
    void aTornDownResourceTheProgramNoLongerHasIsDeletedOnce() {
        Consumer<Context> without = ctx -> {
            new Command("root", CommandArgs.builder().create("up").triggers(Output.of(List.<Object>of("b"))).build(),
                    CustomResourceOptions.builder().deleteBeforeReplace(true).build());
        };
        Deployment d = run(program("a", false), without, false);
        assertEquals(1, d.ops().stream().filter(o -> o.equals(new Op(Op.Kind.DELETE, "follower"))).count(), d.ops().toString());
        assertEquals(Change.DELETE, d.changes().get("follower"));
    }

    static Consumer<Context> one(String name, String alias) {
        return ctx -> new Command(name, CommandArgs.builder().create("up").build(), alias == null
                ? CustomResourceOptions.Empty
                : CustomResourceOptions.builder().aliases(com.pulumi.core.Alias.withUrn(alias)).build());
    }

    @Test
    void aRenameIsADeleteUnlessTheNewNameClaimsTheOldUrnAsAnAlias() {
        Deployment renamed = run(one("old", null), one("new", null), false);
        assertEquals(List.of(new Op(Op.Kind.CREATE, "new"), new Op(Op.Kind.DELETE, "old")), renamed.ops());
        Deployment aliased = run(one("old", null), one("new", "urn:pulumi:s::kubeha::command:local:Command::old"), false);
        assertEquals(List.of(), aliased.ops());
    }

    @Test
    void aProtectedDependentRefusesTheWholeCascadeBeforeAnyDelete() {
        Deployment d = run(program("a", true), program("b", true), false);
        assertTrue(d.errors().get(0).contains("unable to replace resource \"urn:pulumi:s::kubeha::command:local:Command::follower\""
                + " as part of replacing \"urn:pulumi:s::kubeha::command:local:Command::root\""), d.errors().toString());
        assertEquals(List.of(), d.ops());
    }
}
