package dev.kubeha.engine;

/** What the engine does with one resource in a deployment. */
public enum Change {
    /** Nothing runs. */
    SAME,
    /** The provider's update runs (a command runs its {@code update}, else its {@code create}, again). */
    UPDATE,
    /** Deleted (its delete runs) and created again. */
    REPLACE,
    /** New: created. */
    CREATE,
    /** Gone from the program, or torn down by a delete-before-replace cascade and not registered again: deleted. */
    DELETE
}
