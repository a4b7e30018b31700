package dev.kubeha.providers.random;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.providers.ProviderPlugins;

import java.util.List;

/** Random bytes as hex, base64 and decimal (with the optional prefix); not secret: the id holds the bytes. */
@ResourceType(type = "random:index/randomId:RandomId")
public class RandomId extends CustomResource {
    @Export(name = "hex", refs = {String.class}, tree = "[0]")
    private Output<String> hex;

    @Export(name = "b64Std", refs = {String.class}, tree = "[0]")
    private Output<String> b64Std;

    @Export(name = "b64Url", refs = {String.class}, tree = "[0]")
    private Output<String> b64Url;

    @Export(name = "dec", refs = {String.class}, tree = "[0]")
    private Output<String> dec;

    public RandomId(String name, RandomIdArgs args) {
        this(name, args, null);
    }

    public RandomId(String name, RandomIdArgs args, CustomResourceOptions options) {
        super("random:index/randomId:RandomId", name, args, ProviderPlugins.options(options == null ? CustomResourceOptions.Empty : options,
                ProviderPlugins.RANDOM_VERSION, List.of(), List.of()), false);
    }

    public Output<String> hex() {
        return hex;
    }

    public Output<String> b64Std() {
        return b64Std;
    }

    public Output<String> b64Url() {
        return b64Url;
    }

    public Output<String> dec() {
        return dec;
    }
}
