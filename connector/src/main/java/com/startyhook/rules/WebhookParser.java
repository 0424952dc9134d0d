package com.startyhook.rules;

import static com.startyhook.rules.FileProblems.at;

import com.fasterxml.jackson.databind.JsonNode;
import com.startyhook.ConfigurationException;
import com.startyhook.net.AddressPolicy;
import com.startyhook.signing.Secrets;
import com.startyhook.signing.SigningRef;
import com.startyhook.signing.StandardWebhooks;
import com.startyhook.signing.WireScheme;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads one webhook action. Never puts a secret's value into a message. */
final class WebhookParser {
    static final List<String> ACTION_TYPES = List.of("webhook");
    static final List<String> FIELDS = List.of("type", "url", "secret", "scheme", "headers", "timeout", "retry");
    static final List<String> RETRY_FIELDS = List.of("schedule");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final FileProblems problems;
    private final Secrets secrets;
    private final boolean allowInsecureUrls;
    private final AddressPolicy addresses;

    WebhookParser(FileProblems problems, Secrets secrets, boolean allowInsecureUrls, AddressPolicy addresses) {
        this.problems = problems;
        this.secrets = secrets;
        this.allowInsecureUrls = allowInsecureUrls;
        this.addresses = addresses;
    }

    WebhookAction parse(JsonNode node, String p) {
        int before = problems.count();
        if (!problems.checkObject(node, p, "a webhook action", FIELDS, List.of("type", "url", "secret"))) {
            return null;
        }
        String type = problems.string(node, "type", p);
        if (type != null && !ACTION_TYPES.contains(type)) {
            problems.add(at(p, "type"), "unknown action type \"" + type + "\"", Suggestions.hint(type, ACTION_TYPES));
        }
        URI url = url(problems.string(node, "url", p), at(p, "url"));
        List<String> secretRefs = secrets(node.get("secret"), at(p, "secret"));
        WireScheme scheme = scheme(node.get("scheme"), at(p, "scheme"));
        Map<String, String> headers = headers(node.get("headers"), at(p, "headers"));
        Duration timeout = problems.duration(node, "timeout", p, true);
        List<Duration> schedule = retry(node.get("retry"), at(p, "retry"));
        if (problems.count() > before) {
            return null;
        }
        return new WebhookAction(url, new SigningRef(scheme, secretRefs), headers, timeout == null ? WebhookAction.DEFAULT_TIMEOUT : timeout,
                schedule == null ? WebhookAction.DEFAULT_RETRY_SCHEDULE : schedule);
    }

    private URI url(String text, String p) {
        if (text == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            problems.add(p, "not a URL: " + e.getMessage(), "write an absolute URL such as \"https://erp-hooks.example.com/hooks\"");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && allowInsecureUrls)) {
            problems.add(p, scheme.equals("http") ? "insecure URL: webhooks are sent over https only"
                            : "URL \"" + text + "\" is not an https URL",
                    scheme.equals("http") ? "use https://, or pass --allow-insecure-urls for a local test receiver"
                            : "write an absolute URL such as \"https://erp-hooks.example.com/hooks\"");
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            problems.add(p, "URL \"" + text + "\" has no host", "write an absolute URL such as \"https://erp-hooks.example.com/hooks\"");
            return null;
        }
        var refused = addresses.refusalOfLiteral(uri.getHost());
        if (refused.isPresent()) {
            problems.add(p, "URL \"" + text + "\" is refused: " + refused.get(),
                    "deliver to a public address, or allow it with " + AddressPolicy.KEY
                            + " (e.g. --allow-private-hosts " + uri.getHost() + ") if the receiver really is there");
            return null;
        }
        return uri;
    }

    private WireScheme scheme(JsonNode node, String p) {
        if (node == null) {
            return WireScheme.SEED;
        }
        WireScheme scheme = node.isTextual() ? WireScheme.of(node.textValue()).orElse(null) : null;
        if (scheme == null) {
            problems.add(p, "unknown scheme " + FileProblems.describe(node),
                    "write \"scheme\": \"" + String.join("\" or \"", WireScheme.ids()) + "\" (default seed)");
        }
        return scheme;
    }

    /** One reference, or an array of them, newest first (secret rotation). */
    private List<String> secrets(JsonNode node, String p) {
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            String one = secret(node, p);
            return one == null ? null : List.of(one);
        }
        if (node.isEmpty()) {
            problems.add(p, "\"secret\" is an empty array", "list at least one reference, newest first: "
                    + "[\"env:NEW\", \"env:OLD\"]");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String one = secret(node.get(i), at(p, i));
            if (one == null) {
                return null;
            }
            if (out.contains(one)) {
                problems.add(at(p, i), "secret reference " + one + " is listed twice", "list each reference once");
                return null;
            }
            out.add(one);
        }
        return out;
    }

    private String secret(JsonNode node, String p) {
        if (node == null) {
            return null;
        }
        if (!node.isTextual() || !Secrets.isReference(node.textValue())) {
            // never echo the value: it may be a real secret pasted into the file
            problems.add(p, "a literal secret is refused: \"secret\" must be a reference, env:NAME or file:PATH",
                    "put the secret in an environment variable and write \"secret\": \"env:NAME\" (or in a file: \"file:/path\")");
            return null;
        }
        if (secrets == null) {
            return node.textValue(); // resolution not checked here (listing flows from an operator's shell)
        }
        try {
            secrets.resolve(node.textValue());
        } catch (ConfigurationException e) {
            problems.add(p, e.getMessage(), "validation resolves secrets in its own environment: run it where the connector runs");
            return null;
        }
        return node.textValue();
    }

    private Map<String, String> headers(JsonNode node, String p) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        if (!node.isObject()) {
            problems.add(p, "\"headers\" must be an object of header name to value, found " + FileProblems.describe(node),
                    "write \"headers\": {\"X-Tenant\": \"a\"}");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            String name = h.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (!TOKEN.matcher(name).matches()) {
                problems.add(at(p, name), "\"" + name + "\" is not a valid HTTP header name", "use letters, digits and '-' only");
            } else if (lower.startsWith("x-startyhook-") || lower.equals("content-type")
                    || lower.equals(StandardWebhooks.ID_HEADER) || lower.equals(StandardWebhooks.TIMESTAMP_HEADER)
                    || lower.equals(StandardWebhooks.SIGNATURE_HEADER)) {
                problems.add(at(p, name), "header \"" + name + "\" is set by the connector and cannot be overridden",
                        "remove it; X-StartyHook-*, webhook-id, webhook-timestamp, webhook-signature and Content-Type are part of the wire protocol");
            } else if (!h.getValue().isTextual()) {
                problems.add(at(p, name), "a header value must be a string, found " + FileProblems.describe(h.getValue()),
                        "quote the value");
            } else {
                out.put(name, h.getValue().textValue());
            }
        }
        return out;
    }

    private List<Duration> retry(JsonNode node, String p) {
        if (node == null) {
            return null;
        }
        if (!problems.checkObject(node, p, "retry", RETRY_FIELDS, RETRY_FIELDS)) {
            return null;
        }
        JsonNode schedule = node.get("schedule");
        if (schedule == null) {
            return null;
        }
        if (!schedule.isArray()) {
            problems.add(at(p, "schedule"), "\"schedule\" must be an array of delays, found " + FileProblems.describe(schedule),
                    "write \"schedule\": [\"5s\", \"30s\", \"2m\"] ([] for no retries)");
            return null;
        }
        List<Duration> out = new ArrayList<>();
        for (int i = 0; i < schedule.size(); i++) {
            Duration d = problems.durationValue(schedule.get(i), at(at(p, "schedule"), i), false);
            if (d == null) {
                return null;
            }
            out.add(d);
        }
        return out;
    }
}
