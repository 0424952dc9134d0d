package com.startyhook.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.startyhook.receiver.HttpsReceiver.Response;
import com.startyhook.testsupport.ConnectorProcess;
import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault 5: a poison action — the receiver refuses it (422) every time — ends {@code failed} after
 * its schedule. Meanwhile the actions of other elements are delivered; the later actions of the
 * same flow and element wait for it (ordering) and are delivered once it has failed, since a
 * failed action does not block.
 */
class PoisonActionIT {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void poisonActionFailsWithoutBlockingOthersAndReleasesItsElement() throws Exception {
        try (FaultBed bed = new FaultBed("poison", PG.jdbcUrl(), PG.user(), PG.password())) {
            // five attempts over about eight seconds
            bed.flows("5s", List.of("2s", "2s", "2s", "2s"));
            FaultReceiver receiver = bed.receiver();
            ConnectorProcess connector = bed.connector("run").start();
            bed.awaitCapturing(connector);

            List<Long> ids = insertProjects(bed, 6);
            long poisoned = ids.get(0);
            List<Long> others = ids.subList(1, ids.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.delivered().size() == ids.size());

            // the first update action of the poisoned project is refused, whatever the attempt
            Map<String, String> poison = new ConcurrentHashMap<>();
            receiver.respondWith(r -> {
                JsonNode body = readJson(r.body());
                boolean updateOfPoisoned = FaultBed.UPDATED.equals(body.path("workflow").asText())
                        && String.valueOf(poisoned).equals(body.path("id").asText());
                if (updateOfPoisoned && poison.computeIfAbsent("id", k -> r.header("X-StartyHook-Id"))
                        .equals(r.header("X-StartyHook-Id"))) {
                    return Response.status(422).withBody("unknown project state");
                }
                return Response.status(200);
            });
            update(bed, poisoned); // U1: the poison
            update(bed, poisoned); // U2, U3: wait for U1
            update(bed, poisoned);
            for (int round = 0; round < 3; round++) {
                for (long other : others) {
                    update(bed, other);
                }
            }

            FaultBed.Outcome outcome = bed.verifyDeliveredOnce("poison action (422 always)", Duration.ofSeconds(60),
                    Map.of(FaultBed.UPDATED + "|" + poisoned, 1));

            String poisonId = poison.get("id");
            List<FaultReceiver.Seen> seen = receiver.seen();
            List<FaultReceiver.Seen> poisonAttempts = seen.stream().filter(s -> poisonId.equals(s.messageId())).toList();
            assertThat(poisonAttempts).as("the poison's attempts: 1 + 4 retries, all refused").hasSize(5)
                    .allMatch(s -> s.status() == 422);
            assertThat(outboxRow(bed, poisonId)).as("the poison in the outbox").isEqualTo("failed/5");
            Instant poisonGaveUp = poisonAttempts.get(poisonAttempts.size() - 1).at();

            // other elements went on while the poison was retried
            List<FaultReceiver.Seen> otherUpdates = seen.stream()
                    .filter(s -> FaultBed.UPDATED.equals(s.workflow()) && !String.valueOf(poisoned).equals(s.elementId()))
                    .toList();
            assertThat(otherUpdates).hasSize(others.size() * 3);
            assertThat(otherUpdates.stream().map(FaultReceiver.Seen::at).max(Comparator.naturalOrder()).orElseThrow())
                    .as("the other elements' updates were delivered before the poison failed: it blocks nobody else")
                    .isBefore(poisonGaveUp);

            // the same element's later actions waited for it, in order, and were delivered after it failed
            List<FaultReceiver.Seen> later = new ArrayList<>(seen.stream()
                    .filter(s -> FaultBed.UPDATED.equals(s.workflow()) && String.valueOf(poisoned).equals(s.elementId())
                            && !poisonId.equals(s.messageId()))
                    .toList());
            assertThat(later).as("U2 and U3, once each").hasSize(2).allMatch(s -> s.status() == 200);
            assertThat(later).allMatch(s -> !s.at().isBefore(poisonGaveUp),
                    "delivered only after the poison's last attempt");
            assertThat(later.get(0).messageId()).as("U2 before U3").isEqualTo(actionIds(bed, poisoned).get(1));
            assertThat(outcome.lost()).isZero();
        }
    }

    private static JsonNode readJson(byte[] body) {
        try {
            return new ObjectMapper().readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Long> insertProjects(FaultBed bed, int n) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = bed.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO erp.project"
                + " (organization_id, code, name, budget) VALUES (1, ?, 'poison suite', 0) RETURNING id")) {
            for (int i = 1; i <= n; i++) {
                ps.setString(1, bed.prefix() + "-" + i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    private static void update(FaultBed bed, long id) throws Exception {
        try (Connection c = bed.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE erp.project SET budget = budget + 1 WHERE id = " + id);
        }
    }

    /** The update actions of one project, in creation order (message ids). */
    private static List<String> actionIds(FaultBed bed, long id) throws Exception {
        List<String> result = new ArrayList<>();
        try (Connection c = bed.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT message_id FROM sh_poison.action WHERE flow_name = '"
                        + FaultBed.UPDATED + "' AND element_id = '" + id + "' ORDER BY id")) {
            while (rs.next()) {
                result.add(rs.getString(1));
            }
        }
        return result;
    }

    private static String outboxRow(FaultBed bed, String messageId) throws Exception {
        try (Connection c = bed.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status || '/' || attempts FROM sh_poison.action WHERE message_id = '"
                        + messageId + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
