package com.startyhook.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.startyhook.testsupport.PostgresExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ActivationsIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();
    static Database db;

    @BeforeAll
    static void migrate() {
        db = PG.connectorDatabase(2);
    }


    @Test
    void aFlowIsActiveOnlyForTheContentHashItWasActivatedWith() throws Exception {
        Activations activations = new Activations(db);
        assertThat(activations.of("invoice-confirmed")).isEmpty();

        assertThat(activations.activate("invoice-confirmed", "hash-1", "alice")).isTrue();
        assertThat(activations.activate("invoice-confirmed", "hash-1", "alice")).isFalse();
        var a = activations.of("invoice-confirmed").orElseThrow();
        assertThat(a.isActiveFor("hash-1")).isTrue();
        assertThat(a.isActiveFor("hash-2")).as("an edited flow is not active").isFalse();
        assertThat(a.activatedBy()).isEqualTo("alice");

        assertThat(activations.deactivate("invoice-confirmed", "hash-1", "bob")).isTrue();
        assertThat(activations.deactivate("invoice-confirmed", "hash-1", "bob")).isFalse();
        var d = activations.of("invoice-confirmed").orElseThrow();
        assertThat(d.isActiveFor("hash-1")).isFalse();
        assertThat(d.deactivatedBy()).isEqualTo("bob");
        assertThat(PG.count("startyhook.flow_activation_log WHERE flow_name = 'invoice-confirmed'")).isEqualTo(2);
    }
}
