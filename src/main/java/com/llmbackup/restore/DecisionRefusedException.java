package com.llmbackup.restore;

/** An operator's decision (an approval, a resolution) the rules do not allow now: nothing was recorded or changed. */
public class DecisionRefusedException extends RuntimeException {
    public DecisionRefusedException(String message) {
        super(message);
    }
}
