package com.startyhook.delivery;

import com.startyhook.outbox.NewAction;
import com.startyhook.testsupport.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** What the outbox holds for one enqueued test action, read with SQL as an integrator would. */
final class ActionState {
    private ActionState() {}

    static String status(PostgresExtension pg, NewAction a) {
        return (String) value(pg, "SELECT status FROM startyhook.action WHERE message_id = '" + a.messageId() + "'");
    }

    /** Held: pending with next_attempt_at 'infinity' (a paused flow or a disabled endpoint). */
    static boolean held(PostgresExtension pg, NewAction a) {
        return (Boolean) value(pg, "SELECT status = 'pending' AND next_attempt_at = 'infinity'"
                + " FROM startyhook.action WHERE message_id = '" + a.messageId() + "'");
    }

    /** Its attempts as "number outcome http-status", in order. */
    static List<String> attempts(PostgresExtension pg, NewAction a) {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT t.attempt_no, t.outcome, t.http_status FROM startyhook.attempt t"
                        + " JOIN startyhook.action a ON a.id = t.action_id WHERE a.message_id = '" + a.messageId()
                        + "' ORDER BY t.attempt_no")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getObject(3));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static Object value(PostgresExtension pg, String sql) {
        try {
            return pg.queryValue(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
