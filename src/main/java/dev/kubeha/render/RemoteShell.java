package dev.kubeha.render;

/**
 * How a rendered script runs over SSH: the command line is fixed and short; the script itself travels on
 * stdin, as root (directly or through passwordless sudo).
 */
public final class RemoteShell {
    /** The {@code create}/{@code update} command of every remote script resource; the script is its stdin. */
    public static final String RUN_STDIN_AS_ROOT =
            "if [ \"$(id -u)\" -eq 0 ]; then bash -s; else sudo -n -H bash -s; fi";

    private RemoteShell() {
    }

    /**
     * A command line that runs a whole (secret-free) script as root, for {@code delete}. The provider sends a delete
     * the stored stdin, i.e. the create script, secrets and all (pulumi/pulumi-command v1.2.1
     * provider/pkg/provider/remote/commandController.go, Delete: {@code props.run} on the stored state), so the
     * teardown reads its stdin from /dev/null.
     */
    public static String runAsRoot(String script) {
        String quoted = Shell.quote(script);
        return "if [ \"$(id -u)\" -eq 0 ]; then bash -c " + quoted + " </dev/null; else sudo -n -H bash -c " + quoted
                + " </dev/null; fi";
    }
}
