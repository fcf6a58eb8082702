package com.llmbackup.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * A text for people, not yet in a language: a key of the server's message bundles
 * ({@code messages/server_ko.properties}, {@code server_en.properties}) and its arguments
 * (strings, numbers, or texts rendered in the same language). Domain code returns one; {@link Texts}
 * renders it in {@code backup.language} or in the viewer's language. Every key used in main code
 * must be in both bundles (TextKeysTests).
 */
public record Text(String key, List<Object> args) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Text {
        Objects.requireNonNull(key, "key");
        args = List.copyOf(args.stream().map(Text::plain).toList());
    }

    public static Text of(String key, Object... args) {
        return new Text(key, Arrays.asList(args));
    }

    /** "a; b; c" in the reader's language: each part stays a text (or a tool's words); {@code parts} not empty. */
    public static Object joined(List<?> parts) {
        Object joined = parts.get(parts.size() - 1);
        for (int i = parts.size() - 2; i >= 0; i--) {
            joined = Text.of("text.join", parts.get(i), joined);
        }
        return joined;
    }

    /** {@link #joined(List)} of texts only: a text. */
    public static Text joinedTexts(List<Text> parts) {
        return (Text) joined(parts);
    }

    // a text stays a text (rendered in the reader's language); everything else is its string, so a stored row reads back the same
    private static Object plain(Object arg) {
        return arg instanceof Text ? arg : String.valueOf(arg);
    }

    /** The arguments as JSON (a string, or {"key":..., "args": [...]} for a nested text): how a run stores its message. */
    public String argsJson() {
        try {
            return JSON.writeValueAsString(toArgsNode());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ArrayNode toArgsNode() {
        ArrayNode array = JSON.createArrayNode();
        for (Object arg : args) {
            if (arg instanceof Text t) {
                array.addObject().put("key", t.key()).set("args", t.toArgsNode());
            } else {
                array.add((String) arg);
            }
        }
        return array;
    }

    /** The text a run stored: {@code key} and its {@link #argsJson()}; null when the row has no key (written before V12). */
    public static Text stored(String key, String argsJson) {
        if (key == null) {
            return null;
        }
        try {
            return new Text(key, argsOf(argsJson == null ? JSON.createArrayNode() : JSON.readTree(argsJson)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored arguments of " + key + " are not JSON: " + argsJson, e);
        }
    }

    private static List<Object> argsOf(JsonNode array) {
        List<Object> args = new ArrayList<>();
        for (JsonNode arg : array) {
            args.add(arg.isObject() ? new Text(arg.get("key").asText(), argsOf(arg.get("args"))) : arg.asText());
        }
        return args;
    }
}
