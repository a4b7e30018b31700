package dev.kubeha.providers;

import com.pulumi.resources.CustomResourceOptions;

import java.util.List;

/** The provider versions the bindings were written for (one place), and the options every binding adds. */
public final class ProviderPlugins {
    public static final String COMMAND_VERSION = "1.2.1";
    public static final String RANDOM_VERSION = "4.21.1";

    private ProviderPlugins() {
    }

    /**
     * The caller's options merged over what the generated SDKs set: the provider version, secret outputs and
     * replace-on-change paths.
     */
    public static CustomResourceOptions options(CustomResourceOptions options, String version,
                                                List<String> secretOutputs, List<String> replaceOnChanges) {
        CustomResourceOptions defaults = CustomResourceOptions.builder()
                .version(version)
                .additionalSecretOutputs(secretOutputs)
                .replaceOnChanges(replaceOnChanges)
                .build();
        return CustomResourceOptions.merge(defaults, options);
    }
}
