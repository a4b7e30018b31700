package dev.kubeha.render;

/** The one way a value reaches a shell script: single-quoted, so nothing in it is interpreted. */
public final class Shell {
    private Shell() {
    }

    /** Quotes a value for POSIX shells: abc becomes 'abc', it's becomes 'it'\''s'. */
    public static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
