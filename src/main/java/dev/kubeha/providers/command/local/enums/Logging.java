package dev.kubeha.providers.command.local.enums;

import com.pulumi.core.annotations.EnumType;

import java.util.StringJoiner;

/** command:local:Logging: which of the command's outputs are logged (they are captured either way). */
@EnumType
public enum Logging {
    Stdout("stdout"),
    Stderr("stderr"),
    StdoutAndStderr("stdoutAndStderr"),
    None("none");

    private final String value;

    Logging(String value) {
        this.value = value;
    }

    @EnumType.Converter
    public String getValue() {
        return value;
    }

    @Override
    public String toString() {
        return new StringJoiner(", ", "Logging[", "]").add("value='" + value + "'").toString();
    }
}
