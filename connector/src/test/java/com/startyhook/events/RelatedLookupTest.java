package com.startyhook.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The snapshot rule that decides whether a cached related row may serve an event's transaction. */
class RelatedLookupTest {
    @Test
    void aSnapshotSawTheTransactionsThatEndedBeforeItAndNoOthers() {
        RelatedLookup.Snapshot s = RelatedLookup.Snapshot.parse("100:110:103,107");
        assertThat(s.saw(99)).as("below xmin: committed before").isTrue();
        assertThat(s.saw(100)).as("from xmin to xmax and not in progress: ended before the read").isTrue();
        assertThat(s.saw(103)).as("in progress when the row was read").isFalse();
        assertThat(s.saw(105)).isTrue();
        assertThat(s.saw(107)).isFalse();
        assertThat(s.saw(110)).as("at or after xmax: began after the read").isFalse();
        assertThat(s.saw(5000)).isFalse();
        assertThat(s.saw(0)).as("an unknown transaction id never takes a cached row").isFalse();
    }

    @Test
    void thirtyTwoBitIdsFromTheWalAreWidenedWithTheSnapshotsEpoch() {
        long epoch = 3L << 32;
        RelatedLookup.Snapshot s = RelatedLookup.Snapshot.parse((epoch + 10) + ":" + (epoch + 20) + ":");
        assertThat(s.saw(5)).isTrue();
        assertThat(s.saw(15)).isTrue();
        assertThat(s.saw(25)).isFalse();
        assertThat(s.saw(0xFFFFFFF0L)).as("an id of the previous epoch, just before the wraparound").isTrue();
    }
}
