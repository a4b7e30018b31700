package dev.kubeha.providers.random;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.providers.ProviderPlugins;

import java.util.List;

/** A random string; {@code result} is NOT secret (use RandomPassword for secrets). Every input forces a new one. */
@ResourceType(type = "random:index/randomString:RandomString")
public class RandomString extends CustomResource {
    @Export(name = "result", refs = {String.class}, tree = "[0]")
    private Output<String> result;

    public RandomString(String name, RandomStringArgs args) {
        this(name, args, null);
    }

    public RandomString(String name, RandomStringArgs args, CustomResourceOptions options) {
        super("random:index/randomString:RandomString", name, args, ProviderPlugins.options(options == null ? CustomResourceOptions.Empty : options,
                ProviderPlugins.RANDOM_VERSION, List.of(), List.of()), false);
    }

    public Output<String> result() {
        return result;
    }
}
