package com.llmbackup.config;

/**
 * A failure whose words reach a person (a run's message, an alert, Tasklist): its {@link #text()}
 * is kept so the run renders it in the viewer's language; {@link #getMessage()} is the same text
 * in {@code backup.language}, for the log, the alert and the process variables.
 */
public class TextedException extends RuntimeException {

    private final transient Text text;

    public TextedException(Text text, Texts texts) {
        super(texts.render(text));
        this.text = text;
    }

    /** A failure that is words already (another component's message): {@link #text()} is null, the run shows the words. */
    public TextedException(String message, Throwable cause) {
        super(message, cause);
        this.text = null;
    }

    public TextedException(Text text, Texts texts, Throwable cause) {
        super(texts.render(text), cause);
        this.text = text;
    }

    public Text text() {
        return text;
    }
}
