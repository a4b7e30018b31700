package dev.kubeha.providers.random;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.providers.ProviderPlugins;

import java.util.List;

/** A random password; {@code result} and {@code bcryptHash} are secrets. Every input forces a new one. */
@ResourceType(type = "random:index/randomPassword:RandomPassword")
public class RandomPassword extends CustomResource {
    @Export(name = "result", refs = {String.class}, tree = "[0]")
    private Output<String> result;

    @Export(name = "bcryptHash", refs = {String.class}, tree = "[0]")
    private Output<String> bcryptHash;

    public RandomPassword(String name, RandomPasswordArgs args) {
        this(name, args, null);
    }

    public RandomPassword(String name, RandomPasswordArgs args, CustomResourceOptions options) {
        super("random:index/randomPassword:RandomPassword", name, args, ProviderPlugins.options(options == null ? CustomResourceOptions.Empty : options,
                ProviderPlugins.RANDOM_VERSION, List.of("bcryptHash", "result"), List.of()), false);
    }

    public Output<String> result() {
        return result;
    }

    public Output<String> bcryptHash() {
        return bcryptHash;
    }
}
