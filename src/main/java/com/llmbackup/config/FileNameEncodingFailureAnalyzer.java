package com.llmbackup.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints the file-name encoding refusal as one description and what to set, without a stack trace. */
class FileNameEncodingFailureAnalyzer extends AbstractFailureAnalyzer<FileNameEncoding.UnsupportedException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, FileNameEncoding.UnsupportedException cause) {
        return new FailureAnalysis(cause.getMessage(), FileNameEncoding.ACTION, cause);
    }
}
