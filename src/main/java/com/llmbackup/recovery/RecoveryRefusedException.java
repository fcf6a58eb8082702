package com.llmbackup.recovery;

import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.config.TextedException;

/** No set can be recovered (none, or the named one is missing or damaged): the message says what the operator does. */
public class RecoveryRefusedException extends TextedException {
    public RecoveryRefusedException(Text text, Texts texts) {
        super(text, texts);
    }

    public RecoveryRefusedException(Text text, Texts texts, Throwable cause) {
        super(text, texts, cause);
    }

    /** Another component's words (a fetch from offsite that failed), as they are. */
    public RecoveryRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
