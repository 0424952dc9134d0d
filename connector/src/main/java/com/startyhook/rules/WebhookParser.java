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
    private final boolean secretsRequired;
    private final boolean allowInsecureUrls;
    private final AddressPolicy addresses;

    WebhookParser(FileProblems problems, WebhookChecks checks) {
        this.problems = problems;
        this.secrets = checks.secrets();
        this.secretsRequired = checks.secretsRequired();
        this.allowInsecureUrls = checks.allowInsecureUrls();
        this.addresses = checks.addresses();
    }

    WebhookAction parse(JsonNode node, String p) {
        int before = problems.count();
        if (!problems.checkObject(node, p, "a webhook action", FIELDS, List.of("type", "url", "secret"))) {
            return null;
        }
        String type = problems.string(node, "type", p);
        if (type != null && !ACTION_TYPES.contains(type)) {
            problems.add(at(p, "type"), "unknown action type " + Limits.shown(type), Suggestions.hint(type, ACTION_TYPES));
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

    private static final String URL_EXAMPLE = "write an absolute URL such as \"https://erp-hooks.example.com/hooks\"";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

    /**
     * An absolute https URL (http with --allow-insecure-urls) of at most {@link Limits#URL_CHARS}, with
     * an RFC 1123 host name (or an IP literal), a port from 1 to 65535 and no credentials. Messages
     * never repeat a URL that holds credentials.
     */
    private URI url(String text, String p) {
        if (text == null) {
            return null;
        }
        if (text.length() > Limits.URL_CHARS) {
            problems.add(p, "the URL has " + text.length() + " characters, more than " + Limits.URL_CHARS, URL_EXAMPLE);
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            boolean credentials = text.indexOf('@') >= 0;
            problems.add(p, "not a URL: " + e.getReason() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")
                    + (credentials ? "" : " in " + Limits.shown(text)), URL_EXAMPLE);
            return null;
        }
        if (uri.getRawUserInfo() != null || (uri.getHost() == null && uri.getRawAuthority() != null
                && uri.getRawAuthority().contains("@"))) {
            problems.add(p, "the URL holds credentials (user:password@): they would be logged and shown with the URL",
                    "remove them; the receiver checks the signature made with \"secret\" (custom auth goes in \"headers\")");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && allowInsecureUrls)) {
            problems.add(p, scheme.equals("http") ? "insecure URL: webhooks are sent over https only"
                            : "URL " + Limits.shown(text) + " is not an https URL",
                    scheme.equals("http") ? "use https://, or pass --allow-insecure-urls for a local test receiver"
                            : URL_EXAMPLE);
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            String authority = uri.getRawAuthority();
            problems.add(p, authority == null || authority.isEmpty() ? "URL " + Limits.shown(text) + " has no host"
                    : "the URL's host " + Limits.shown(authority) + " is not a valid host name or port",
                    "a host name has labels of letters, digits and '-' separated by dots (write an international name"
                            + " in its xn-- form), and a port is 1 to 65535");
            return null;
        }
        String hostProblem = hostProblem(uri.getHost());
        if (hostProblem != null) {
            problems.add(p, hostProblem, "write the receiver's DNS name (RFC 1123) or IP address");
            return null;
        }
        if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
            problems.add(p, "port " + uri.getPort() + " is out of range", "write a port from 1 to 65535, or none for 443");
            return null;
        }
        var refused = addresses.refusalOfLiteral(uri.getHost());
        if (refused.isPresent()) {
            problems.add(p, "URL " + Limits.shown(text) + " is refused: " + refused.get(),
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

    /** Why {@code host} is not an RFC 1123 host name or an IP literal, or null. */
    static String hostProblem(String host) {
        if (host.startsWith("[")) {
            return null; // an IPv6 literal: java.net.URI has checked its syntax
        }
        if (IPV4.matcher(host).matches()) {
            for (String part : host.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return "the IPv4 address " + Limits.shown(host) + " is not valid";
                }
            }
            return null;
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (String label : name.split("\\.", -1)) {
            if (label.length() > Limits.HOST_LABEL_CHARS) {
                return "a label of the host name has " + label.length() + " characters, more than DNS allows ("
                        + Limits.HOST_LABEL_CHARS + ")";
            }
            if (!LABEL.matcher(label).matches()) {
                return "the host name " + Limits.shown(host) + " is not valid: each dot-separated label is 1 to "
                        + Limits.HOST_LABEL_CHARS + " letters, digits or '-', not starting or ending with '-'";
            }
        }
        if (name.length() > Limits.HOST_CHARS) {
            return "the host name has " + name.length() + " characters, more than DNS allows (" + Limits.HOST_CHARS + ")";
        }
        if (name.substring(name.lastIndexOf('.') + 1).chars().allMatch(Character::isDigit)) {
            // 127.1 or 0x7f.1 would reach an address in a form the SSRF check of literals does not read
            return "the host " + Limits.shown(host) + " is neither a host name (its last label is all digits) nor a "
                    + "dotted IPv4 address of four numbers";
        }
        return null;
    }

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

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
        String reference = node.textValue();
        if (reference.length() > Limits.SECRET_REFERENCE_CHARS) {
            problems.add(p, "the secret reference has " + reference.length() + " characters, more than "
                    + Limits.SECRET_REFERENCE_CHARS, "write env:NAME or file:PATH");
            return null;
        }
        if (reference.startsWith("env:") && !ENV_NAME.matcher(reference.substring(4)).matches()) {
            problems.add(p, "secret reference " + Limits.shown(reference) + " does not name an environment variable",
                    "write env:NAME, NAME made of letters, digits and '_', not starting with a digit");
            return null;
        }
        if (secrets == null) {
            return reference; // resolution not checked here (listing flows from an operator's shell)
        }
        try {
            secrets.resolve(reference);
        } catch (Secrets.Unresolved e) {
            if (secretsRequired) {
                problems.add(p, e.getMessage(), "validation resolves secrets in its own environment: run it where the connector runs");
                return null;
            }
            problems.warn(p, e.getMessage() + " (not required here: the connector refuses it at start)",
                    "check it where the connector runs: validate --check-secrets (or --db)");
        } catch (ConfigurationException e) {
            problems.add(p, e.getMessage(), "write env:NAME, or file:PATH naming a regular file that holds the secret alone");
            return null;
        }
        return reference;
    }

    /** RFC 9110: a name is a token; a value is visible ASCII, spaces and tabs inside, no control characters. */
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
        if (node.size() > Limits.HEADERS) {
            problems.add(p, node.size() + " headers, more than " + Limits.HEADERS, "send at most " + Limits.HEADERS);
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            String name = h.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            JsonNode value = h.getValue();
            if (name.length() > Limits.HEADER_NAME_CHARS) {
                problems.add(at(p, name), "a header name of " + name.length() + " characters (at most "
                        + Limits.HEADER_NAME_CHARS + ")", "shorten it");
            } else if (!TOKEN.matcher(name).matches()) {
                problems.add(at(p, name), Limits.shown(name) + " is not a valid HTTP header name", "use letters, digits and '-' only");
            } else if (lower.startsWith("x-startyhook-") || lower.equals("content-type")
                    || lower.equals(StandardWebhooks.ID_HEADER) || lower.equals(StandardWebhooks.TIMESTAMP_HEADER)
                    || lower.equals(StandardWebhooks.SIGNATURE_HEADER)) {
                problems.add(at(p, name), "header " + Limits.shown(name) + " is set by the connector and cannot be overridden",
                        "remove it; X-StartyHook-*, webhook-id, webhook-timestamp, webhook-signature and Content-Type are part of the wire protocol");
            } else if (!value.isTextual()) {
                problems.add(at(p, name), "a header value must be a string, found " + FileProblems.describe(value),
                        "quote the value");
            } else if (value.textValue().length() > Limits.HEADER_VALUE_CHARS) {
                problems.add(at(p, name), "a header value of " + value.textValue().length() + " characters (at most "
                        + Limits.HEADER_VALUE_CHARS + ")", "shorten it");
            } else if (!isFieldValue(value.textValue())) {
                problems.add(at(p, name), "the header value " + Limits.shown(value.textValue())
                                + " holds a control character (such as CR or LF) or a non-ASCII character",
                        "write visible ASCII characters, spaces and tabs only, none at the start or end");
            } else {
                out.put(name, value.textValue());
            }
        }
        return out;
    }

    static boolean isFieldValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean inside = i > 0 && i < v.length() - 1;
            if (!((c > 0x20 && c < 0x7f) || ((c == ' ' || c == '\t') && inside))) {
                return false;
            }
        }
        return true;
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
        if (schedule.size() > Limits.RETRIES) {
            problems.add(at(p, "schedule"), schedule.size() + " retry delays, more than " + Limits.RETRIES,
                    "retry at most " + Limits.RETRIES + " times");
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
