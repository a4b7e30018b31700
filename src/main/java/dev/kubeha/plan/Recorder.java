package dev.kubeha.plan;

import com.pulumi.Context;
import com.pulumi.resources.Resource;
import com.pulumi.test.Mocks;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.MockMonitor;
import com.pulumi.test.internal.PulumiTestInternal;
import pulumirpc.Resource.RegisterResourceRequest;
import pulumirpc.Resource.RegisterResourceResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Runs a Pulumi program under the SDK's own mock engine (no CLI, backend, network or SSH) and records what the
 * engine would be told: every registration (type, name, parent, dependencies, options, which inputs are secret)
 * and the inputs the mocks received.
 */
public final class Recorder {
    private static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
    private static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

    private Recorder() {
    }

    /**
     * One registered resource, as the engine would see it. Names of dependencies and parent, not URNs;
     * {@code propertyDependencies}: input name to the names of the resources its value came from.
     */
    public record Registration(String type, String name, String parent, List<String> dependencies,
                               List<String> additionalSecretOutputs, List<String> replaceOnChanges, String version,
                               boolean deleteBeforeReplace, Map<String, List<String>> propertyDependencies,
                               Map<String, Object> inputs, Set<String> secretInputs, List<String> ignoreChanges) {
    }

    /** The program's outcome and its registrations in the order they were made. */
    public record Recording(TestResult result, List<Registration> registrations) {
    }

    /**
     * @param config  "kubeha:key" to value, as the Pulumi engine passes config
     * @param mocks   what providers would answer
     */
    public static Recording record(String stack, Map<String, String> config, Mocks mocks, Consumer<Context> program) {
        List<RegisterResourceRequest> requests = Collections.synchronizedList(new ArrayList<>());
        Map<String, Map<String, Object>> inputs = new ConcurrentHashMap<>();
        Mocks capturing = new Mocks() {
            @Override
            public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
                inputs.put(args.name, args.inputs);
                return mocks.newResourceAsync(args);
            }

            @Override
            public CompletableFuture<Map<String, Object>> callAsync(CallArgs args) {
                return mocks.callAsync(args);
            }
        };
        PulumiTestInternal.cleanup();
        try {
            TestResult result = PulumiTestInternal.builder()
                    .options(TestOptions.builder().projectName("kubeha").stackName(stack).build())
                    .mocks(capturing)
                    .config(config)
                    .monitorDecorator(monitor -> new RecordingMonitor(capturing, requests))
                    .build()
                    .runTest(program);
            List<Registration> registrations = new ArrayList<>();
            synchronized (requests) {
                for (RegisterResourceRequest r : requests) {
                    registrations.add(new Registration(r.getType(), r.getName(), nameOf(r.getParent()),
                            r.getDependenciesList().stream().map(Recorder::nameOf).distinct().sorted().toList(),
                            List.copyOf(r.getAdditionalSecretOutputsList()), List.copyOf(r.getReplaceOnChangesList()),
                            r.getVersion(), r.getDeleteBeforeReplace(), propertyDependencies(r),
                            inputs.getOrDefault(r.getName(), Map.of()), secretKeys(r),
                            List.copyOf(r.getIgnoreChangesList())));
                }
            }
            return new Recording(result, List.copyOf(registrations));
        } finally {
            PulumiTestInternal.cleanup();
        }
    }

    /** The resource name at the end of a URN ("" for none). */
    static String nameOf(String urn) {
        return urn == null || urn.isEmpty() ? "" : urn.substring(urn.lastIndexOf("::") + 2);
    }

    private static Map<String, List<String>> propertyDependencies(RegisterResourceRequest r) {
        Map<String, List<String>> deps = new java.util.TreeMap<>();
        r.getPropertyDependenciesMap().forEach((key, urns) -> deps.put(key,
                urns.getUrnsList().stream().map(Recorder::nameOf).distinct().sorted().toList()));
        return deps;
    }

    private static Set<String> secretKeys(RegisterResourceRequest r) {
        Set<String> keys = new TreeSet<>();
        r.getObject().getFieldsMap().forEach((k, v) -> {
            if (v.hasStructValue() && v.getStructValue().getFieldsMap().containsKey(SIG_KEY)
                    && SECRET_SIG.equals(v.getStructValue().getFieldsMap().get(SIG_KEY).getStringValue())) {
                keys.add(k);
            }
        });
        return keys;
    }

    /** A MockMonitor that keeps every registration request. */
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
}
