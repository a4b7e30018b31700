package dev.kubeha.engine;

/** One thing the engine does to a resource, in the order it does it: a delete, create, or update. */
public record Op(Kind kind, String name) {
    public enum Kind { DELETE, CREATE, UPDATE }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + " " + name;
    }
}
