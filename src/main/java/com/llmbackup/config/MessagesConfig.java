package com.llmbackup.config;

import java.nio.charset.StandardCharsets;

import org.springframework.context.MessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.ResourceBundleMessageSource;

/** The one {@link MessageSource}: the server's texts in {@code messages/server_ko} and {@code server_en}. */
@Configuration(proxyBeanMethods = false)
class MessagesConfig {

    static final String BASENAME = "messages/server";

    // one source for the bean and for the code built without Spring (Texts.of): the bundles are read once
    private static final ResourceBundleMessageSource BUNDLES = create();

    @Bean
    MessageSource messageSource() {
        return BUNDLES;
    }

    static MessageSource bundles() {
        return BUNDLES;
    }

    private static ResourceBundleMessageSource create() {
        ResourceBundleMessageSource source = new ResourceBundleMessageSource();
        source.setBasename(BASENAME);
        source.setDefaultEncoding(StandardCharsets.UTF_8.name());
        // no silent English (or system-language) stand-in: a key missing from a bundle throws
        source.setFallbackToSystemLocale(false);
        source.setUseCodeAsDefaultMessage(false);
        // every value is a MessageFormat pattern, with or without arguments: an apostrophe is always written ''
        source.setAlwaysUseMessageFormat(true);
        return source;
    }
}
