package com.llmbackup.restore;

import com.llmbackup.config.Text;
import com.llmbackup.config.TextedException;
import com.llmbackup.config.Texts;

/** A restore the guard refused before anything changed: bad input, unknown or damaged set. */
public class RestoreRefusedException extends TextedException {
    public RestoreRefusedException(String message) {
        super(message, null);
    }

    public RestoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }

    public RestoreRefusedException(Text text, Texts texts, Throwable cause) {
        super(text, texts, cause);
    }
}
