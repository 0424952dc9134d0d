package com.startyhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import com.startyhook.delivery.ResponsePolicy.Verdict;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResponsePolicyTest {
    @Test
    void byDefaultOnly2xxSucceedsAnd410IsGoneEverythingElseIsRetried() {
        ResponsePolicy p = new ResponsePolicy(ResponsePolicy.parse(null));
        assertThat(p.classify(200)).isEqualTo(Verdict.DELIVERED);
        assertThat(p.classify(204)).isEqualTo(Verdict.DELIVERED);
        assertThat(p.classify(410)).isEqualTo(Verdict.GONE);
        for (int s : new int[] {301, 400, 401, 404, 408, 422, 429, 500, 502, 503, 504}) {
            assertThat(p.classify(s)).as("%d", s).isEqualTo(Verdict.RETRY);
        }
    }

    @Test
    void declaredStatusesFailAtOnce() {
        ResponsePolicy p = new ResponsePolicy(ResponsePolicy.parse("400, 422 301"));
        assertThat(p.classify(422)).isEqualTo(Verdict.FAIL);
        assertThat(p.classify(400)).isEqualTo(Verdict.FAIL);
        assertThat(p.classify(301)).isEqualTo(Verdict.FAIL);
        assertThat(p.classify(404)).isEqualTo(Verdict.RETRY);
        assertThat(ResponsePolicy.parse("422,400")).isEqualTo(Set.of(400, 422));
    }

    @Test
    void statusesThatMeanLaterCannotBeDeclaredNonRetryable() {
        for (String s : new String[] {"408", "429", "500", "503", "200", "410", "abc", "99"}) {
            assertThatThrownBy(() -> ResponsePolicy.parse(s)).as(s).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(ResponsePolicy.KEY);
        }
    }
}
