package dev.kubeha.providers.random;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Inputs of random:index/randomId:RandomId (schema random 4.21.1). Every input forces a new id. */
public final class RandomIdArgs extends ResourceArgs {

    public static final RandomIdArgs Empty = new RandomIdArgs();

    @Import(name = "byteLength", required = true)
    private Output<Integer> byteLength;

    @Import(name = "keepers")
    private Output<Map<String, String>> keepers;

    @Import(name = "prefix")
    private Output<String> prefix;

    public Output<Integer> byteLength() {
        return this.byteLength;
    }

    public Optional<Output<Map<String, String>>> keepers() {
        return Optional.ofNullable(this.keepers);
    }

    public Optional<Output<String>> prefix() {
        return Optional.ofNullable(this.prefix);
    }

    private RandomIdArgs() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds RandomIdArgs; setters take a plain value or an Output. */
    public static final class Builder {
        private final RandomIdArgs args = new RandomIdArgs();

        public Builder byteLength(Output<Integer> byteLength) {
            this.args.byteLength = byteLength;
            return this;
        }

        public Builder byteLength(Integer byteLength) {
            return byteLength(Output.of(byteLength));
        }

        public Builder keepers(Output<Map<String, String>> keepers) {
            this.args.keepers = keepers;
            return this;
        }

        public Builder keepers(Map<String, String> keepers) {
            return keepers(Output.of(keepers));
        }

        public Builder prefix(Output<String> prefix) {
            this.args.prefix = prefix;
            return this;
        }

        public Builder prefix(String prefix) {
            return prefix(Output.of(prefix));
        }

        public RandomIdArgs build() {
            this.args.byteLength = Objects.requireNonNull(this.args.byteLength, "expected parameter 'byteLength' to be non-null");
            return this.args;
        }
    }
}
