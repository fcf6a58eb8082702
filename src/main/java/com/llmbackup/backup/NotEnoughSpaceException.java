package com.llmbackup.backup;

import com.llmbackup.config.Text;
import com.llmbackup.config.Texts;
import com.llmbackup.config.TextedException;

/** The backup volume cannot hold the next set; the message gives the figures. */
public class NotEnoughSpaceException extends TextedException {
    public NotEnoughSpaceException(Text text, Texts texts) {
        super(text, texts);
    }
}
