package com.llmbackup.restore;

import com.llmbackup.config.Text;
import com.llmbackup.config.TextedException;
import com.llmbackup.config.Texts;

/** An operator's decision (an approval, a resolution) the rules do not allow now: nothing was recorded or changed. */
public class DecisionRefusedException extends TextedException {
    public DecisionRefusedException(String message) {
        super(message, null);
    }

    /** Tasklist shows its message: in {@code backup.language}. */
    public DecisionRefusedException(Text text, Texts texts) {
        super(text, texts);
    }
}
