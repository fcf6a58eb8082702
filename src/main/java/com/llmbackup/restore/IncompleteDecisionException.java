package com.llmbackup.restore;

/** A decision sent without what it needs (approve or reject; a rejection's comment): nothing was recorded. */
public class IncompleteDecisionException extends RuntimeException {
    public IncompleteDecisionException(String message) {
        super(message);
    }
}
