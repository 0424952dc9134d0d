package com.startyhook.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.signing.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, hot reload: a bad edit keeps the last good version of a running flow (with its entity),
 * so nothing is lost while the file is being fixed; a removed file or a fixed one takes effect.
 */
class HotReloadKeepsLastGoodTest {
    static final Secrets SECRETS = new Secrets(Map.of("HOOK_SECRET", "s3cr3t-value"));
    static final String ENTITIES = "{\"entities\": {\"customer\": {\"table\": \"erp.customer\", \"key\": [\"id\"]}}}";

    @TempDir
    Path dir;

    static String flow(String name, String url) {
        return "{\"name\": \"" + name + "\", \"entity\": \"customer\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]},"
                + " \"actions\": [{\"type\": \"webhook\", \"url\": \"" + url + "\", \"secret\": \"env:HOOK_SECRET\"}]}";
    }

    ValidatedRules load() {
        return new RulesLoader(SECRETS, false).load(dir);
    }

    @Test
    void aBadEditKeepsTheLastGoodVersionUntilTheFileIsFixedOrRemoved() throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        Files.writeString(dir.resolve("entities.json"), ENTITIES);
        Files.writeString(dir.resolve("flows/a.json"), flow("a", "https://hooks.example.com/a"));
        Files.writeString(dir.resolve("flows/b.json"), flow("b", "https://hooks.example.com/b"));
        ValidatedRules running = load().keepingLastGoodOf(null).rules();
        Flow a = running.rules().flows().get("a");

        // a bad edit: the problem is reported, and a keeps running as it was (same content hash, so still active)
        Files.writeString(dir.resolve("flows/a.json"), flow("a", "https://hooks.example.com:99999/a"));
        ValidatedRules.Kept kept = load().keepingLastGoodOf(running);
        assertThat(kept.flows()).containsExactly("a");
        assertThat(kept.rules().problems()).singleElement().asString()
                .startsWith(dir.resolve("flows/a.json") + ": /actions/0/url: port 99999 is out of range");
        assertThat(kept.rules().rules().flows().get("a")).isSameAs(a);
        assertThat(kept.rules().rules().flows()).containsOnlyKeys("a", "b");
        running = kept.rules();

        // a broken entities.json: both flows keep their entity and run
        Files.writeString(dir.resolve("entities.json"), ENTITIES.replace("\"key\": [\"id\"]", "\"key\": []"));
        kept = load().keepingLastGoodOf(running);
        assertThat(kept.flows()).containsExactlyInAnyOrder("a", "b");
        assertThat(kept.rules().rules().entities()).containsOnlyKeys("customer");
        assertThat(kept.rules().problems()).extracting(p -> p.file().getFileName().toString())
                .contains("entities.json", "a.json");
        running = kept.rules();

        // fixed: the new version replaces the kept one
        Files.writeString(dir.resolve("entities.json"), ENTITIES);
        Files.writeString(dir.resolve("flows/a.json"), flow("a", "https://hooks.example.com/a2"));
        kept = load().keepingLastGoodOf(running);
        assertThat(kept.flows()).isEmpty();
        assertThat(kept.rules().problems()).isEmpty();
        assertThat(kept.rules().rules().flows().get("a").contentHash()).isNotEqualTo(a.contentHash());
        running = kept.rules();

        // removed: the flow goes
        Files.delete(dir.resolve("flows/b.json"));
        kept = load().keepingLastGoodOf(running);
        assertThat(kept.rules().rules().flows()).containsOnlyKeys("a");
    }
}
