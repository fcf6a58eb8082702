package com.llmbackup.config;

/** A {@code backup.*} setting that cannot be used; start-up stops with this message. */
public class InvalidSettingException extends IllegalArgumentException {

    private final String key;

    public InvalidSettingException(String key, Object value, String why) {
        super("Invalid setting " + key + "='" + value + "': " + why);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
