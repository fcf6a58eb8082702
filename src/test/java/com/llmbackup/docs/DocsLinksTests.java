package com.llmbackup.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The documentation's links stay true: every Markdown link in README.md, docs/*.md, ARCHITECTURE.md
 * and bench/README.md is one case, so each broken link fails on its own. A relative link must name
 * a file or folder of the repository (relative to the linking file), and its {@code #anchor} a
 * heading of the target as GitHub makes anchors of headings; http(s) links are not fetched, only
 * checked to be well formed. README.md stays a front door: at most 250 lines, its index naming
 * every file of docs/, and every file of docs/ opening with a link back to it.
 */
class DocsLinksTests {

    static final int README_MAX_LINES = 250;

    private static final Path ROOT = repositoryRoot();

    private static final Pattern FENCE = Pattern.compile("^\\s*(`{3,}|~{3,})");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\n[ \\t]*\\n).)+?\\1", Pattern.DOTALL);
    /** [text](target) or [text](target "title") or ![alt](target); text may hold one level of [..]. */
    private static final Pattern INLINE_LINK = Pattern.compile(
            "!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*(<[^>\\n]*>|[^\\s()]+)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^ {0,3}\\[([^\\]]+)\\]:\\s*(<[^>]*>|\\S+)", Pattern.MULTILINE);
    private static final Pattern AUTOLINK = Pattern.compile("<((?:https?|mailto):[^>\\s]*)>");
    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}#{1,6}(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s[^>]*?(?:name|id)=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern LINE_ANCHOR = Pattern.compile("L\\d+(?:-L\\d+)?");

    /** One link as written: where it is, its text and its target. */
    record Link(Path file, int line, String text, String target) {
        @Override
        public String toString() {
            return ROOT.relativize(file) + ":" + line + " [" + text.strip() + "](" + target + ")";
        }
    }

    // ---- the cases ----

    static Stream<Named<Link>> links() {
        return markdownFiles().stream()
                .flatMap(file -> linksIn(file, read(file)).stream())
                .map(link -> Named.of(link.toString(), link));
    }

    static Stream<Named<Path>> docsFiles() {
        return docsMarkdown().stream().map(file -> Named.of(ROOT.relativize(file).toString(), file));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("links")
    void linkResolvesWhenFollowedFromItsFile(Link link) {
        String target = link.target();
        String scheme = scheme(target);
        if (scheme != null) {
            assertThat(scheme).as(link + ": only http, https and mailto links leave the repository").isIn("http", "https", "mailto");
            URI uri = parse(link, target);
            if (!scheme.equals("mailto")) {
                assertThat(uri.getHost()).as(link + ": a web link names its host").isNotBlank();
            }
            return;
        }
        int hash = target.indexOf('#');
        String pathPart = decode(hash < 0 ? target : target.substring(0, hash));
        String anchor = hash < 0 ? null : decode(target.substring(hash + 1));

        Path resolved = pathPart.isEmpty() ? link.file()
                : (pathPart.startsWith("/") ? ROOT.resolve(pathPart.substring(1)) : link.file().getParent().resolve(pathPart)).normalize();
        assertThat(resolved.startsWith(ROOT)).as(link + ": the target " + resolved + " is inside the repository").isTrue();
        assertThat(resolved).as(link + ": the target " + ROOT.relativize(resolved) + " exists").exists();
        if (anchor == null) {
            return;
        }
        assertThat(anchor).as(link + ": the anchor is not empty").isNotEmpty();
        if (resolved.getFileName().toString().endsWith(".md") && Files.isRegularFile(resolved)) {
            Set<String> anchors = anchors(read(resolved));
            assertThat(anchors).as(link + ": " + ROOT.relativize(resolved) + " has a heading with the anchor #" + anchor).contains(anchor);
        } else {
            assertThat(anchor).as(link + ": a file that is not Markdown has only line anchors (#L10, #L10-L20)").matches(LINE_ANCHOR);
        }
    }

    @Test
    void readmeHasAtMost250LinesWhenCounted() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8);

        assertThat(lines).as("README.md is a front door; the rest belongs in docs/").hasSizeLessThanOrEqualTo(README_MAX_LINES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("docsFiles")
    void docsFileIsListedWhenReadmeIndexIsRead(Path file) {
        Path readme = ROOT.resolve("README.md");
        List<Path> targets = linksIn(readme, read(readme)).stream()
                .filter(link -> scheme(link.target()) == null)
                .map(link -> readme.getParent().resolve(decode(link.target().replaceFirst("#.*", ""))).normalize())
                .toList();

        assertThat(targets).as("README.md links to " + ROOT.relativize(file)).contains(file);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("docsFiles")
    void docsFileLinksBackToReadmeWhenItOpens(Path file) {
        List<String> lines = read(file).lines().toList();
        assertThat(lines).as(ROOT.relativize(file) + " opens with a title").isNotEmpty();
        assertThat(lines.get(0)).as(ROOT.relativize(file) + " opens with a title").startsWith("# ");
        String firstParagraph = lines.stream().skip(1).filter(l -> !l.isBlank()).findFirst().orElse("");

        assertThat(linksIn(file, firstParagraph).stream().map(Link::target))
                .as(ROOT.relativize(file) + ": the line after the title says what the file is and links back to the README")
                .contains("../README.md");
    }

    // ---- the rules themselves, on known examples ----

    @Test
    void slugFollowsGitHubWhenHeadingHasCodePunctuationKoreanOrRepeats() {
        Set<String> anchors = anchors("""
                # The backup run (`BackupRunProcess`) and the daily backup (`DailyBackupProcess`)
                ## Deployment: the stack in Docker Compose
                ## 복원 승인 · Approve restore
                ### Task_CheckDocker, the 2nd check! (x²)
                ## See [the README](../README.md) first
                ## Tests
                ## Tests ##
                Tests
                -----
                ```
                ## Not a heading: inside a fence
                ```
                <a name="kept-anchor"></a>
                """);

        assertThat(anchors).containsExactlyInAnyOrder(
                "the-backup-run-backuprunprocess-and-the-daily-backup-dailybackupprocess",
                "deployment-the-stack-in-docker-compose",
                "복원-승인--approve-restore",
                "task_checkdocker-the-2nd-check-x",
                "see-the-readme-first",
                "tests", "tests-1", "tests-2",
                "kept-anchor");
    }

    @Test
    void linksAreFoundWhenOutsideCodeAndWithTheirLines() {
        Path file = ROOT.resolve("docs/example.md");
        List<Link> found = linksIn(file, """
                A [plain](a.md) link and an ![image](img/b.png "title").
                `[in code](not-a-link.md)` and ``also `[not](this.md)` code``
                ```bash
                echo '[in a fence](fence.md)'
                ```
                A code span that `goes on
                to the next line [not](spanned.md)` and then [after](c.md#heading).
                [`code in text`](d.md) and <https://restic.net> and [ref]: e.md
                [ref]: f.md
                """);

        assertThat(found).extracting(Link::target).containsExactly("a.md", "img/b.png", "c.md#heading", "d.md", "https://restic.net", "f.md");
        assertThat(found).extracting(Link::line).containsExactly(1, 1, 7, 8, 8, 9);
        assertThat(found).extracting(Link::text).containsExactly("plain", "image", "after", "`code in text`", "https://restic.net", "ref");
    }

    // ---- reading Markdown ----

    /** The Markdown links of a file's text, outside fenced code and code spans, in the order written. */
    static List<Link> linksIn(Path file, String markdown) {
        String text = blankCode(markdown);
        Map<Integer, Link> byStart = new TreeMap<>();
        List<int[]> taken = new ArrayList<>();
        for (Pattern pattern : List.of(INLINE_LINK, REFERENCE_DEFINITION, AUTOLINK)) {
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                int start = m.start();
                int end = m.end();
                if (taken.stream().anyMatch(r -> start < r[1] && r[0] < end)) {
                    continue;
                }
                taken.add(new int[] {start, end});
                String target = pattern == AUTOLINK ? m.group(1) : m.group(2);
                if (target.startsWith("<") && target.endsWith(">")) {
                    target = target.substring(1, target.length() - 1);
                }
                String label = pattern == AUTOLINK ? m.group(1) : markdown.substring(m.start(1), m.end(1));
                byStart.put(start, new Link(file, lineOf(text, start), label, target));
            }
        }
        return List.copyOf(byStart.values());
    }

    /** The anchors GitHub gives a Markdown text: one per heading (duplicates get -1, -2, ...), and named HTML anchors. */
    static Set<String> anchors(String markdown) {
        String text = blankFences(markdown);
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> occurrences = new HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String heading = null;
            Matcher atx = ATX_HEADING.matcher(lines[i]);
            if (atx.matches()) {
                heading = atx.group(1) == null ? "" : atx.group(1);
            } else if (i > 0 && SETEXT_UNDERLINE.matcher(lines[i]).matches() && !lines[i - 1].isBlank()
                    && !ATX_HEADING.matcher(lines[i - 1]).matches() && !lines[i - 1].stripLeading().startsWith("|")) {
                heading = lines[i - 1].strip();
            }
            if (heading != null) {
                String base = slug(heading);
                String slug = base;
                while (occurrences.containsKey(slug)) {
                    int n = occurrences.merge(base, 1, Integer::sum);
                    slug = base + "-" + n;
                }
                occurrences.put(slug, 0);
                anchors.add(slug);
            }
            Matcher html = HTML_ANCHOR.matcher(lines[i]);
            while (html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor of one heading (github-slugger): the text as rendered (links and images give
     * their text, code spans their content, HTML tags nothing), lower-cased; every character that is
     * not a letter, a mark, a decimal or letter number, connector punctuation ('_'), '-' or a space
     * removed (so '·', '²', ':' and '(' go, Hangul stays); each space a '-'.
     */
    static String slug(String heading) {
        String rendered = heading
                .replaceAll("!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "")
                .strip()
                .toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        rendered.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (cp == ' ') {
                slug.append('-');
            } else if (cp == '-' || Character.isLetterOrDigit(cp) || type == Character.CONNECTOR_PUNCTUATION
                    || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK || type == Character.LETTER_NUMBER) {
                slug.appendCodePoint(cp);
            }
        });
        return slug.toString();
    }

    /** The text with fenced code blocks and code spans replaced by spaces (line breaks kept, so lines keep their numbers). */
    private static String blankCode(String markdown) {
        String text = blankFences(markdown);
        StringBuilder out = new StringBuilder(text);
        Matcher m = CODE_SPAN.matcher(text);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                if (out.charAt(i) != '\n') {
                    out.setCharAt(i, ' ');
                }
            }
        }
        return out.toString();
    }

    /** The text with every line of a fenced code block (its fences too) replaced by spaces, so offsets and lines stay. */
    private static String blankFences(String markdown) {
        StringBuilder out = new StringBuilder();
        String fence = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher m = FENCE.matcher(line);
            boolean fenceLine = m.find();
            boolean code = fence != null || fenceLine;
            if (fence == null && fenceLine) {
                fence = m.group(1);
            } else if (fence != null && fenceLine && m.group(1).charAt(0) == fence.charAt(0)
                    && m.group(1).length() >= fence.length() && line.strip().length() == m.group(1).length()) {
                fence = null;
            }
            out.append(code ? " ".repeat(line.length()) : line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    // ---- helpers ----

    private static List<Path> markdownFiles() {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        files.addAll(docsMarkdown());
        for (String optional : List.of("ARCHITECTURE.md", "bench/README.md")) {
            if (Files.isRegularFile(ROOT.resolve(optional))) {
                files.add(ROOT.resolve(optional));
            }
        }
        return files;
    }

    private static List<Path> docsMarkdown() {
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            return docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String scheme(String target) {
        Matcher m = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):").matcher(target);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    private static URI parse(Link link, String target) {
        try {
            return new URI(target);
        } catch (URISyntaxException e) {
            throw new AssertionError(link + ": not a well-formed URI: " + e.getMessage(), e);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no pom.xml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
