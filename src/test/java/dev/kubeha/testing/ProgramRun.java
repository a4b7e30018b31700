package dev.kubeha.testing;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.kubeha.config.RawConfig;
import dev.kubeha.plan.Recorder;
import dev.kubeha.plan.Recorder.Registration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** A program run under the mock engine with a stack's config (see {@link Recorder}), with lookups for tests. */
public final class ProgramRun {
    public final TestResult result;
    private final List<Registration> registrations;

    private ProgramRun(Recorder.Recording recording) {
        this.result = recording.result();
        this.registrations = recording.registrations();
    }

    public static ProgramRun of(RawConfig config, Consumer<Context> program) {
        return of(config, new ClusterMocks(), program);
    }

    public static ProgramRun of(RawConfig config, com.pulumi.test.Mocks mocks, Consumer<Context> program) {
        return new ProgramRun(Recorder.record("vagrant", Stacks.pulumiConfig(config), mocks, program));
    }

    public List<Registration> registrations() {
        return registrations;
    }

    public Registration get(String name) {
        return find(name).orElseThrow(() -> new AssertionError("no resource named " + name + "; have "
                + registrations.stream().map(Registration::name).toList()));
    }

    public Optional<Registration> find(String name) {
        return registrations.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    public List<Registration> ofType(String type) {
        return registrations.stream().filter(r -> r.type().equals(type)).toList();
    }

    /** Names of the resources {@code name} depends on (explicit dependsOn and Output dependencies), sorted. */
    public List<String> dependenciesOf(String name) {
        return get(name).dependencies().stream().sorted().toList();
    }

    /** True when the engine receives input {@code key} of resource {@code name} as a secret. */
    public boolean isSecretInput(String name, String key) {
        return get(name).secretInputs().contains(key);
    }

    /** The inputs as the mock saw them. */
    public Map<String, Object> inputs(String name) {
        return new LinkedHashMap<>(get(name).inputs());
    }

    public static <T> T value(Output<T> output) {
        return PulumiTestInternal.extractOutputData(output).getValueNullable();
    }

    public static boolean isSecret(Output<?> output) {
        return PulumiTestInternal.extractOutputData(output).isSecret();
    }
}
