package com.llmbackup.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.MessageSource;
import org.springframework.stereotype.Component;

/**
 * Renders a {@link Text} from the server's bundles: in {@code backup.language} for what has one
 * reader at one time (the log file, alerts, Tasklist's facts), or in the viewer's language for the
 * page (the run messages). A key missing from a bundle fails loudly (NoSuchMessageException).
 */
@Component
public class Texts {

    /** The languages of the bundles, as {@code backup.language} and a request's {@code lang} name them. */
    public static final Set<String> LANGUAGES = Set.of("ko", "en");

    private static final List<Locale> SUPPORTED = List.of(Locale.KOREAN, Locale.ENGLISH);

    private final MessageSource messages;
    private final Locale language;

    @Autowired
    public Texts(MessageSource messages, BackupProperties properties) {
        this(messages, properties.language());
    }

    public Texts(MessageSource messages, String language) {
        this.messages = messages;
        this.language = Locale.forLanguageTag(language);
    }

    /** Texts over the same bundles as the bean's, for code and tests built without a Spring context. */
    public static Texts of(String language) {
        return new Texts(MessagesConfig.bundles(), language);
    }

    /** In {@code backup.language}. */
    public String render(Text text) {
        return render(text, language);
    }

    public String render(Text text, Locale locale) {
        if (text == null) {
            return null;
        }
        Object[] args = text.args().stream().map(a -> a instanceof Text t ? render(t, locale) : a).toArray();
        return messages.getMessage(text.key(), args, locale);
    }

    /** A key with its arguments, in {@code backup.language}. */
    public String render(String key, Object... args) {
        return render(Text.of(key, args));
    }

    public Locale language() {
        return language;
    }

    /**
     * The viewer's language: the page's {@code lang} parameter (ko or en), else the first of
     * {@code Accept-Language} that the bundles have, else {@code backup.language}.
     */
    public Locale viewer(String lang, String acceptLanguage) {
        if (lang != null && LANGUAGES.contains(lang)) {
            return Locale.forLanguageTag(lang);
        }
        if (acceptLanguage != null && !acceptLanguage.isBlank()) {
            try {
                Locale found = Locale.lookup(Locale.LanguageRange.parse(acceptLanguage), SUPPORTED);
                if (found != null) {
                    return found;
                }
            } catch (IllegalArgumentException e) {
                // a malformed header is answered in the configured language
            }
        }
        return language;
    }
}
