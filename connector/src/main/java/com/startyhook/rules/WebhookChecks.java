package com.startyhook.rules;

import com.startyhook.net.AddressPolicy;
import com.startyhook.signing.Secrets;

/**
 * What a webhook action is checked against besides its own text.
 *
 * @param secrets           resolves secret references; null checks their form only
 * @param secretsRequired   a reference that does not resolve here is a problem (run, hot reload,
 *                          {@code validate --db} or {@code --check-secrets}); when false it is a
 *                          warning (an offline {@code validate}, e.g. in CI without the secrets)
 * @param allowInsecureUrls accept {@code http://} URLs
 * @param addresses         the SSRF guard's allowance for literal private addresses
 */
record WebhookChecks(Secrets secrets, boolean secretsRequired, boolean allowInsecureUrls, AddressPolicy addresses) {}
