package com.startyhook.rules;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for misspelt field names, events, operators and entities. */
public final class Suggestions {
    private Suggestions() {}

    /** The candidate closest to {@code word} when it is close enough to be a likely typo, else null. */
    public static String closest(String word, Collection<String> candidates) {
        String normalized = normalize(word);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            if (normalize(c).equals(normalized)) {
                return c;
            }
            int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        int allowed = Math.max(1, Math.min(3, word.length() / 3));
        return bestDistance <= allowed ? best : null;
    }

    /** {@code " — did you mean \"x\"?"}-style hint, or the list of what is allowed. */
    static String hint(String word, Collection<String> candidates) {
        String c = closest(word, candidates);
        return c != null ? "did you mean \"" + c + "\"?" : "use one of " + String.join(", ", candidates);
    }

    private static String normalize(String s) {
        return s.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
