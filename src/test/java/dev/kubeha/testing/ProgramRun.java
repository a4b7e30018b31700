package dev.kubeha.testing;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import com.pulumi.test.Mocks;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.MockMonitor;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.kubeha.config.RawConfig;
import pulumirpc.Resource.RegisterResourceRequest;
import pulumirpc.Resource.RegisterResourceResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Runs a Pulumi program under the SDK's mock engine with a stack's config, and records what the engine would be
 * told: every registration request (type, name, parent, dependencies, options) and every mock's inputs.
 */
public final class ProgramRun {

    /** One registered resource, as the engine sees it. */
    public record Registration(String type, String name, String urn, String parentUrn, List<String> dependencies,
                               List<String> additionalSecretOutputs, List<String> replaceOnChanges, String version,
                               Map<String, Object> inputs, java.util.Set<String> secretInputs) {
    }

    public final TestResult result;
    private final List<Registration> registrations;

    private ProgramRun(TestResult result, List<Registration> registrations) {
        this.result = result;
        this.registrations = registrations;
    }

    public static ProgramRun of(RawConfig config, Consumer<Context> program) {
        return of(config, program, new ClusterMocks());
    }

    public static ProgramRun of(RawConfig config, Consumer<Context> program, ClusterMocks mocks) {
        List<RegisterResourceRequest> requests = Collections.synchronizedList(new ArrayList<>());
        PulumiTestInternal.cleanup();
        try {
            TestResult result = PulumiTestInternal.builder()
                    .options(TestOptions.builder().projectName("kubeha").stackName("vagrant").build())
                    .mocks(mocks)
                    .config(Stacks.pulumiConfig(config))
                    .monitorDecorator(monitor -> new RecordingMonitor(mocks, requests))
                    .build()
                    .runTest(program);
            List<Registration> registrations = new ArrayList<>();
            synchronized (requests) {
                for (RegisterResourceRequest r : requests) {
                    String urn = "urn:pulumi:vagrant::kubeha::" + r.getType() + "::" + r.getName();
                    registrations.add(new Registration(r.getType(), r.getName(), urn, r.getParent(),
                            List.copyOf(r.getDependenciesList()), List.copyOf(r.getAdditionalSecretOutputsList()),
                            List.copyOf(r.getReplaceOnChangesList()), r.getVersion(),
                            mocks.inputsOf(r.getName()).orElse(Map.of()), secretKeys(r)));
                }
            }
            return new ProgramRun(result, registrations);
        } finally {
            PulumiTestInternal.cleanup();
        }
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

    /** Names of the resources {@code name} depends on (explicit dependsOn and Output dependencies). */
    public List<String> dependenciesOf(String name) {
        return get(name).dependencies().stream().map(u -> u.substring(u.lastIndexOf("::") + 2)).sorted().toList();
    }

    /** The registered resources' objects (for component children and output checks). */
    public List<Resource> resources() {
        return result.resources();
    }

    public static <T> T value(Output<T> output) {
        return PulumiTestInternal.extractOutputData(output).getValueNullable();
    }

    public static boolean isSecret(Output<?> output) {
        return PulumiTestInternal.extractOutputData(output).isSecret();
    }

    /** A MockMonitor that records every registration request before the mocks see it. */
    private static final class RecordingMonitor extends MockMonitor {
        private final List<RegisterResourceRequest> requests;

        RecordingMonitor(Mocks mocks, List<RegisterResourceRequest> requests) {
            super(mocks, PulumiTestInternal.mockLog());
            this.requests = requests;
        }

        @Override
        public CompletableFuture<RegisterResourceResponse> registerResourceAsync(Resource resource, RegisterResourceRequest request) {
            requests.add(request);
            return super.registerResourceAsync(resource, request);
        }
    }

    /** True when the engine receives input {@code key} of resource {@code name} as a secret. */
    public boolean isSecretInput(String name, String key) {
        return get(name).secretInputs().contains(key);
    }

    private static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
    private static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

    private static java.util.Set<String> secretKeys(RegisterResourceRequest r) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        r.getObject().getFieldsMap().forEach((k, v) -> {
            if (v.hasStructValue() && v.getStructValue().getFieldsMap().containsKey(SIG_KEY)
                    && SECRET_SIG.equals(v.getStructValue().getFieldsMap().get(SIG_KEY).getStringValue())) {
                keys.add(k);
            }
        });
        return keys;
    }

    /** Convenience: the inputs map as the mock saw it, by resource name. */
    public Map<String, Object> inputs(String name) {
        return new LinkedHashMap<>(get(name).inputs());
    }
}
