package com.llmbackup.process;

/** Process definition keys (= BPMN file names), part of the public contract. */
final class ProcessKeys {
    static final String PREFLIGHT = "PreflightProcess";

    private ProcessKeys() {
    }
}
