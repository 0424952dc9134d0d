package com.startyhook.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.rules.RulesLoader;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** A manual run loads the element's row from its entity: a condition flow over no entity is refused, saying why. */
class ManualRunTest {
    @Test
    void aConditionFlowOverNoEntityIsRefusedBeforeTouchingTheDatabase() {
        var rules = RulesLoader.withoutSecretResolution(false).load(Path.of("..", "rules")).rules();
        assertThatThrownBy(() -> new ManualRun(null, null, Clock.systemUTC()).fire(rules, "monthly-revenue-milestone", "1/2026-12"))
                .isInstanceOf(ManualRun.Refused.class)
                .hasMessageContaining("flow 'monthly-revenue-milestone' fires for monthly_revenue elements")
                .hasMessageContaining("names no entity of entities.json")
                .hasMessageContaining("fires on its own");
    }
}
