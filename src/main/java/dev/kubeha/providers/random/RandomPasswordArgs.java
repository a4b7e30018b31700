package dev.kubeha.providers.random;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Inputs of random:index/randomPassword:RandomPassword (schema random 4.21.1). Every input forces a new password. */
public final class RandomPasswordArgs extends ResourceArgs {

    public static final RandomPasswordArgs Empty = new RandomPasswordArgs();

    @Import(name = "keepers")
    private Output<Map<String, String>> keepers;

    @Import(name = "length", required = true)
    private Output<Integer> length;

    @Import(name = "lower")
    private Output<Boolean> lower;

    @Import(name = "minLower")
    private Output<Integer> minLower;

    @Import(name = "minNumeric")
    private Output<Integer> minNumeric;

    @Import(name = "minSpecial")
    private Output<Integer> minSpecial;

    @Import(name = "minUpper")
    private Output<Integer> minUpper;

    @Import(name = "numeric")
    private Output<Boolean> numeric;

    @Import(name = "overrideSpecial")
    private Output<String> overrideSpecial;

    @Import(name = "special")
    private Output<Boolean> special;

    @Import(name = "upper")
    private Output<Boolean> upper;

    public Optional<Output<Map<String, String>>> keepers() {
        return Optional.ofNullable(this.keepers);
    }

    public Output<Integer> length() {
        return this.length;
    }

    public Optional<Output<Boolean>> lower() {
        return Optional.ofNullable(this.lower);
    }

    public Optional<Output<Integer>> minLower() {
        return Optional.ofNullable(this.minLower);
    }

    public Optional<Output<Integer>> minNumeric() {
        return Optional.ofNullable(this.minNumeric);
    }

    public Optional<Output<Integer>> minSpecial() {
        return Optional.ofNullable(this.minSpecial);
    }

    public Optional<Output<Integer>> minUpper() {
        return Optional.ofNullable(this.minUpper);
    }

    public Optional<Output<Boolean>> numeric() {
        return Optional.ofNullable(this.numeric);
    }

    public Optional<Output<String>> overrideSpecial() {
        return Optional.ofNullable(this.overrideSpecial);
    }

    public Optional<Output<Boolean>> special() {
        return Optional.ofNullable(this.special);
    }

    public Optional<Output<Boolean>> upper() {
        return Optional.ofNullable(this.upper);
    }

    private RandomPasswordArgs() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds RandomPasswordArgs; setters take a plain value or an Output. */
    public static final class Builder {
        private final RandomPasswordArgs args = new RandomPasswordArgs();

        public Builder keepers(Output<Map<String, String>> keepers) {
            this.args.keepers = keepers;
            return this;
        }

        public Builder keepers(Map<String, String> keepers) {
            return keepers(Output.of(keepers));
        }

        public Builder length(Output<Integer> length) {
            this.args.length = length;
            return this;
        }

        public Builder length(Integer length) {
            return length(Output.of(length));
        }

        public Builder lower(Output<Boolean> lower) {
            this.args.lower = lower;
            return this;
        }

        public Builder lower(Boolean lower) {
            return lower(Output.of(lower));
        }

        public Builder minLower(Output<Integer> minLower) {
            this.args.minLower = minLower;
            return this;
        }

        public Builder minLower(Integer minLower) {
            return minLower(Output.of(minLower));
        }

        public Builder minNumeric(Output<Integer> minNumeric) {
            this.args.minNumeric = minNumeric;
            return this;
        }

        public Builder minNumeric(Integer minNumeric) {
            return minNumeric(Output.of(minNumeric));
        }

        public Builder minSpecial(Output<Integer> minSpecial) {
            this.args.minSpecial = minSpecial;
            return this;
        }

        public Builder minSpecial(Integer minSpecial) {
            return minSpecial(Output.of(minSpecial));
        }

        public Builder minUpper(Output<Integer> minUpper) {
            this.args.minUpper = minUpper;
            return this;
        }

        public Builder minUpper(Integer minUpper) {
            return minUpper(Output.of(minUpper));
        }

        public Builder numeric(Output<Boolean> numeric) {
            this.args.numeric = numeric;
            return this;
        }

        public Builder numeric(Boolean numeric) {
            return numeric(Output.of(numeric));
        }

        public Builder overrideSpecial(Output<String> overrideSpecial) {
            this.args.overrideSpecial = overrideSpecial;
            return this;
        }

        public Builder overrideSpecial(String overrideSpecial) {
            return overrideSpecial(Output.of(overrideSpecial));
        }

        public Builder special(Output<Boolean> special) {
            this.args.special = special;
            return this;
        }

        public Builder special(Boolean special) {
            return special(Output.of(special));
        }

        public Builder upper(Output<Boolean> upper) {
            this.args.upper = upper;
            return this;
        }

        public Builder upper(Boolean upper) {
            return upper(Output.of(upper));
        }

        public RandomPasswordArgs build() {
            this.args.length = Objects.requireNonNull(this.args.length, "expected parameter 'length' to be non-null");
            return this.args;
        }
    }
}
