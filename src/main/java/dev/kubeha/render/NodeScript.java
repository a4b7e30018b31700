package dev.kubeha.render;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Renders a node script: a bash header, its parameters as quoted shell variables, the shared library
 * {@code components/lib/os.sh} (OS family and package helpers, chosen in one place), then the script body
 * from {@code components/<path>}. The result is sent on stdin to {@code bash -s} (see {@link RemoteShell}),
 * so secrets in parameters never appear on a command line.
 */
public final class NodeScript {
    /** Each body made once: a large stack renders lib/os.sh (37 kB) into thousands of scripts. */
    private static final Map<String, String> BODIES = new ConcurrentHashMap<>();

    private static final Pattern PARAM_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    private NodeScript() {
    }

    /**
     * @param path   script under {@code components/}, e.g. {@code kubeadm/init.sh}
     * @param params parameter name (UPPER_SNAKE) to value; each becomes {@code NAME='value'} before the body
     */
    public static String render(String path, Map<String, String> params) {
        return render(path, params, java.util.List.of());
    }

    /**
     * The same, with more shared functions from {@code components/} between lib/os.sh and the body (e.g.
     * {@code loadbalancer/backend.sh} for the scripts that stop an API server).
     */
    public static String render(String path, Map<String, String> params, java.util.List<String> libraries) {
        // Sized for its largest parts up front: a large stack renders thousands of these.
        StringBuilder out = new StringBuilder(1024 + body("lib/os.sh").length() + body(path).length()
                + libraries.stream().mapToInt(library -> body(library).length()).sum()
                + params.values().stream().mapToInt(v -> v.length() + 64).sum());
        out.append("#!/usr/bin/env bash\n");
        // Parameter values are single-quoted on purpose; the bodies are shellchecked without this exclusion.
        out.append("# shellcheck disable=SC2016\n");
        out.append("# kubeha: ").append(path).append(" (rendered; do not edit on the node)\n");
        out.append("set -euo pipefail\n");
        // bash -s reads its script from stdin as it goes, so a command that reads stdin would swallow the rest of
        // the script; one compound command is read whole before any of it runs.
        out.append("{\n");
        params.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (!PARAM_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException(path + ": parameter name '" + e.getKey() + "' is not UPPER_SNAKE");
            }
            out.append(e.getKey()).append('=').append(Shell.quote(e.getValue())).append('\n');
        });
        out.append(body("lib/os.sh"));
        libraries.forEach(library -> out.append(body(library)));
        out.append(body(path));
        out.append("}\n");
        return out.toString();
    }

    /**
     * A script that needs nothing from lib/os.sh and takes no parameters: its text depends on that one file only,
     * so a step running it is never updated by a change of the config or of the other scripts.
     */
    public static String renderStandalone(String path) {
        return "#!/usr/bin/env bash\n# kubeha: " + path + " (rendered; do not edit on the node)\nset -euo pipefail\n"
                + body(path);
    }

    /** A component file without its shebang and shellcheck directives (they belong to the file on disk). */
    public static String body(String path) {
        return BODIES.computeIfAbsent(path, NodeScript::strip);
    }

    private static String strip(String path) {
        StringBuilder out = new StringBuilder("\n# ---- ").append(path).append(" ----\n");
        for (String line : Templates.load(path).split("\n", -1)) {
            if (line.startsWith("#!") || line.startsWith("# shellcheck shell=") || line.startsWith("# shellcheck source=")) {
                continue;
            }
            out.append(line).append('\n');
        }
        String s = out.toString();
        return s.endsWith("\n\n") ? s.substring(0, s.length() - 1) : s;
    }
}
