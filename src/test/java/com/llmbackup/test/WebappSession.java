package com.llmbackup.test;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A login to the Camunda webapps as their pages make it (a session with its CSRF token, then the
 * login form), and calls to their APIs ({@code /camunda/api/...}) in that session, as Tasklist sends them.
 */
public final class WebappSession {

    private final String baseUrl;
    private final HttpClient http;
    private final CookieManager cookies = new CookieManager();
    private String token;
    private HttpResponse<String> login;

    private WebappSession(String baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).build();
    }

    /** Logs in to {@code app} (tasklist, cockpit, admin, welcome); the login's answer is {@link #login()}. */
    public static WebappSession logIn(String baseUrl, String app, String user, String password) throws IOException, InterruptedException {
        WebappSession session = new WebappSession(baseUrl);
        session.http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/camunda/app/" + app + "/default/")).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        session.token = session.cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .map(HttpCookie::getValue).findFirst().orElseThrow(() -> new AssertionError("the webapp set no XSRF-TOKEN cookie"));
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        // the webapp's login answered 500 once in a loaded suite run with nothing in the log: a
        // server error is tried again, at most three times in all; a refusal (401, 403) is not
        for (int attempt = 1; ; attempt++) {
            session.login = session.http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/camunda/api/admin/auth/user/default/login/" + app))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("X-XSRF-TOKEN", session.token)
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (session.login.statusCode() < 500 || attempt == 3) {
                return session;
            }
            System.err.println("Login to " + app + " as " + user + " answered " + session.login.statusCode() + " (attempt " + attempt
                    + "): " + session.login.body());
            Thread.sleep(500);
        }
    }

    /** The login's answer (200 with the user's id and apps, or 401). */
    public HttpResponse<String> login() {
        return login;
    }

    /** A call in the session, with the CSRF token; a body is sent as JSON. */
    public HttpResponse<String> send(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("X-XSRF-TOKEN", token).header("Accept", "application/json");
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
