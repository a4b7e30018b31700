package dev.kubeha.cli;

import java.io.PrintStream;

/** The offline command-line tool: {@code validate} and {@code plan}. */
public final class Cli {
    private Cli() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("usage: java -jar target/kubeha.jar validate|plan --stack NAME");
        return 2;
    }
}
