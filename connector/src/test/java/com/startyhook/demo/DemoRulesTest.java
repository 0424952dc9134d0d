package com.startyhook.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.rules.ConditionTrigger;
import com.startyhook.rules.Flow;
import com.startyhook.rules.RulesLoader;
import com.startyhook.rules.ValidatedRules;
import com.startyhook.rules.WebhookAction;
import com.startyhook.signing.Secrets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoRulesTest {
    @TempDir
    Path dir;

    @Test
    void theCopyPointsEveryWebhookAtTheReceiverAndCapsConditionIntervalsChangingNothingElse() throws Exception {
        DemoRules copy = DemoRules.copyTo(dir.resolve("rules"), 45678, Duration.ofSeconds(5));

        ValidatedRules demo = new RulesLoader(new Secrets(Map.of("STARTYHOOK_DEMO_SECRET", "s")), false)
                .load(dir.resolve("rules"));
        ValidatedRules original = RulesLoader.withoutSecretResolution(false).load(Path.of("../rules"));
        assertThat(demo.problems()).isEmpty();
        assertThat(demo.rules().flows().keySet()).isEqualTo(original.rules().flows().keySet()).hasSize(10);
        assertThat(demo.rules().entities()).isEqualTo(original.rules().entities());
        for (Flow f : demo.rules().flows().values()) {
            Flow o = original.rules().flows().get(f.name());
            for (int i = 0; i < f.actions().size(); i++) {
                WebhookAction a = f.actions().get(i);
                assertThat(a.url().toString()).startsWith("https://localhost:45678/hooks/")
                        .isEqualTo(o.actions().get(i).url().toString().replace(":8443/", ":45678/"));
                WebhookAction oa = o.actions().get(i);
                assertThat(a).isEqualTo(new WebhookAction(a.url(), oa.secret(), oa.headers(), oa.timeout(),
                        oa.retrySchedule()));
            }
            assertThat(f.criteria()).isEqualTo(o.criteria());
            assertThat(f.mode()).isEqualTo(o.mode());
            if (f.trigger() instanceof ConditionTrigger t) {
                ConditionTrigger ot = (ConditionTrigger) o.trigger();
                assertThat(t.interval()).isEqualTo(Duration.ofSeconds(5));
                assertThat(t).isEqualTo(new ConditionTrigger(ot.query(), t.interval(), ot.timeout(), ot.fireOnFirstScan(),
                        ot.element()));
            } else {
                assertThat(f.trigger()).isEqualTo(o.trigger());
            }
        }
        assertThat(copy.rewrittenUrls()).isEqualTo(10);
        assertThat(copy.shortenedIntervals()).extracting(DemoRules.ShortenedInterval::flowFile)
                .containsExactly("monthly-revenue-milestone.json", "stock-below-reorder-level.json", "stock-changed.json");
    }

    @Test
    void intervalsAlreadyShortAreLeftAlone() throws Exception {
        DemoRules copy = DemoRules.copyTo(dir.resolve("rules"), 8443, Duration.ofMinutes(1));
        assertThat(copy.shortenedIntervals()).isEmpty();
    }
}
