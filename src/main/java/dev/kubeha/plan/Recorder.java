package dev.kubeha.plan;

import com.pulumi.Context;
import com.pulumi.deployment.internal.DeploymentImpl;
import com.pulumi.resources.Resource;
import com.pulumi.test.Mocks;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.MockMonitor;
import com.pulumi.test.internal.PulumiTestInternal;
import dev.kubeha.render.ScriptReferences;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a Pulumi program under the SDK's own mock engine (no CLI, backend, network or SSH) and records what the
 * engine would be told: every registration (type, name, parent, dependencies, options, which inputs are secret)
 * and the inputs the mocks received.
 */
public final class Recorder {
    private static final String SIG_KEY = "4dabf18193072939515e22adb298388d";
    private static final String SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
    /** What the SDKs send for a value that is not known yet (pulumi/pulumi:sdk/go/common/resource/plugin/rpc.go, UnknownStringValue). */
    public static final String UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    static final String PROJECT = "kubeha";
    /**
     * The SDK's own Java log for a recorded run (the SDK's default, at INFO); what the SDK formats for it at FINEST
     * whatever its level (DefaultRunner's task list, see {@link WithoutDebugLog}) can be watched here.
     */
    static final Logger SDK_LOG = Logger.getLogger(Recorder.class.getName() + ".sdk");

    static {
        SDK_LOG.setLevel(Level.INFO);
        // An OutOfMemoryError is the tool's to report, in one line (OutOfMemoryExit), not the SDK's, with its trace.
        SDK_LOG.setFilter(r -> !(r.getThrown() != null && OutOfMemoryExit.causedByOutOfMemory(r.getThrown())
                || r.getMessage() != null && r.getMessage().contains(OutOfMemoryError.class.getName())));
    }

    private Recorder() {
    }

    /**
     * One registered resource, as the engine would see it. Names of dependencies, parent and provider, not URNs;
     * {@code propertyDependencies}: input name to the names of the resources its value came from;
     * {@code unknownInputs}: inputs whose value is not known yet (a preview); {@code urn}: the URN the engine gives
     * it; {@code aliases}: the old URNs it claims.
     */
    public record Registration(String type, String name, String parent, List<String> dependencies,
                               List<String> additionalSecretOutputs, List<String> replaceOnChanges, String version,
                               boolean deleteBeforeReplace, Map<String, List<String>> propertyDependencies,
                               Map<String, Object> inputs, Set<String> secretInputs, boolean custom, boolean protect,
                               String provider, Set<String> unknownInputs, String urn, List<String> aliases,
                               List<String> ignoreChanges) {
    }

    /** Mocks that also see each registration request as the engine receives it, before answering it. */
    public interface RequestObserver {
        void observe(RegisterResourceRequest request);
    }

    /** The program's outcome and its registrations in the order they were made. */
    public record Recording(TestResult result, List<Registration> registrations) {
    }

    /**
     * @param config  "kubeha:key" to value, as the Pulumi engine passes config
     * @param mocks   what providers would answer
     */
    public static Recording record(String stack, Map<String, String> config, Mocks mocks, Consumer<Context> program) {
        return record(stack, config, mocks, false, program);
    }

    /** @param preview run as {@code pulumi preview} does (the SDK's dry run): unresolved outputs stay unknown */
    public static Recording record(String stack, Map<String, String> config, Mocks mocks, boolean preview,
                                   Consumer<Context> program) {
        List<RegisterResourceRequest> requests = Collections.synchronizedList(new ArrayList<>());
        Map<String, Map<String, Object>> inputs = new ConcurrentHashMap<>();
        Mocks capturing = new Mocks() {
            @Override
            public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
                inputs.put(args.name, ScriptReferences.resolved(args.inputs));
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
                    .options(TestOptions.builder().projectName(PROJECT).stackName(stack).preview(preview).build())
                    .mocks(capturing)
                    .config(config)
                    .standardLogger(SDK_LOG)
                    .deploymentFactory(Recorder::deployment)
                    .monitorDecorator(monitor -> new RecordingMonitor(capturing, requests,
                            mocks instanceof RequestObserver o ? o : request -> { }))
                    .build()
                    .runTest(program);
            List<Registration> registrations = new ArrayList<>();
            synchronized (requests) {
                for (RegisterResourceRequest r : requests) {
                    registrations.add(registration(stack, r, inputs.getOrDefault(r.getName(), Map.of())));
                }
            }
            return new Recording(result, List.copyOf(registrations));
        } finally {
            PulumiTestInternal.cleanup();
        }
    }

    /**
     * The SDK's deployment, its debug messages dropped before anything formats or queues them
     * ({@link WithoutDebugLog}), its runner polling only once the program's tasks have settled ({@link SettledRunner}).
     */
    private static DeploymentImpl deployment(DeploymentImpl.DeploymentState state) {
        state.logger = new WithoutDebugLog(state.logger);
        state.runner = new SettledRunner(state.runner);
        return new DeploymentImpl(state);
    }

    /** A registration request as a {@link Registration}, with the inputs the mocks received for it. */
    public static Registration registration(String stack, RegisterResourceRequest r, Map<String, Object> inputs) {
        String provider = r.getProvider();
        return new Registration(r.getType(), r.getName(), nameOf(r.getParent()),
                r.getDependenciesList().stream().map(Recorder::nameOf).distinct().sorted().toList(),
                List.copyOf(r.getAdditionalSecretOutputsList()), List.copyOf(r.getReplaceOnChangesList()),
                r.getVersion(), r.getDeleteBeforeReplace(), propertyDependencies(r), inputs, secretKeys(r),
                r.getCustom(), r.getProtect(),
                nameOf(provider.contains("::") ? provider.substring(0, provider.lastIndexOf("::")) : ""),
                unknownKeys(r), urn(stack, r),
                java.util.stream.Stream.concat(r.getAliasURNsList().stream(),
                        r.getAliasesList().stream().filter(a -> a.hasUrn()).map(a -> a.getUrn())).toList(),
                List.copyOf(r.getIgnoreChangesList()));
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

    /**
     * The URN the engine gives a registration: the parent's qualified type, except the root stack's, joined with
     * {@code $} to the type (pulumi/pulumi:pkg/resource/deploy/deployment.go, generateURN).
     */
    static String urn(String stack, RegisterResourceRequest r) {
        String parent = r.getParent();
        String parentType = "";
        if (!parent.isEmpty()) {
            String qualified = parent.substring(parent.indexOf("::", parent.indexOf("::") + 2) + 2, parent.lastIndexOf("::"));
            parentType = qualified.equals("pulumi:pulumi:Stack") ? "" : qualified.replace("pulumi:pulumi:Stack$", "");
        }
        return "urn:pulumi:" + stack + "::" + PROJECT + "::" + (parentType.isEmpty() ? "" : parentType + "$")
                + r.getType() + "::" + r.getName();
    }

    private static Set<String> unknownKeys(RegisterResourceRequest r) {
        Set<String> keys = new TreeSet<>();
        r.getObject().getFieldsMap().forEach((k, v) -> {
            if (containsUnknown(v)) {
                keys.add(k);
            }
        });
        return keys;
    }

    private static boolean containsUnknown(com.google.protobuf.Value v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> UNKNOWN.equals(v.getStringValue());
            case LIST_VALUE -> v.getListValue().getValuesList().stream().anyMatch(Recorder::containsUnknown);
            case STRUCT_VALUE -> v.getStructValue().getFieldsMap().values().stream().anyMatch(Recorder::containsUnknown);
            default -> false;
        };
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
        private final RequestObserver observer;

        RecordingMonitor(Mocks mocks, List<RegisterResourceRequest> requests, RequestObserver observer) {
            super(mocks, PulumiTestInternal.mockLog());
            this.requests = requests;
            this.observer = observer;
        }

        @Override
        public CompletableFuture<RegisterResourceResponse> registerResourceAsync(Resource resource, RegisterResourceRequest request) {
            requests.add(request);
            observer.observe(request);
            return super.registerResourceAsync(resource, request);
        }
    }
}
