package io.jamba4j.model;

/** A model that cannot be built or run as given: an inconsistent config, a missing or mis-shaped tensor, a bad request. */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
