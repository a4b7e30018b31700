package dev.kubeha.scripts;

import dev.kubeha.testing.Netns;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The ufw rules a script wrote, held to ufw's own syntax: port ranges FROM:TO (ufw 0.36.2 refuses FROM-TO with
 * "Bad port"), and, where ufw's Python package is importable, parsed by ufw's real command parser
 * (ufw.frontend.parse_command, which exits non-zero on a rule ufw would refuse).
 */
final class UfwRules {
    private UfwRules() {
    }

    /** {@code calls}: the recorded {@code ufw allow ...} calls. */
    static void assertUfwAccepts(List<String> calls) {
        assertFalse(calls.isEmpty(), "no ufw rule written");
        for (String call : calls) {
            assertFalse(call.matches(".*\\b\\d+-\\d+/.*"), "ufw writes port ranges FROM:TO: " + call);
        }
        if (Netns.exec("python3", "-c", "import ufw.frontend").exitCode() != 0) {
            return; // ufw is not installed here: the syntax rule above is what can be checked
        }
        for (String call : calls) {
            List<String> argv = List.of(call.split(" "));
            String program = "import gettext, sys; gettext.install('ufw'); import ufw.frontend; "
                    + "ufw.frontend.parse_command(sys.argv[1:])";
            String[] command = java.util.stream.Stream.concat(java.util.stream.Stream.of("python3", "-c", program),
                    argv.stream()).toArray(String[]::new);
            Netns.Result r = Netns.exec(command);
            assertEquals(0, r.exitCode(), "ufw's parser refuses `" + call + "`: " + r.output());
        }
    }
}
