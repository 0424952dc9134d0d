package com.startyhook.capture;

import com.startyhook.ConfigurationException;
import com.startyhook.store.Database;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * The ERP database that capture reads the write-ahead log of: host, port and database come from
 * the JDBC URL. The password is never logged (Debezium masks {@code database.password}).
 */
public record CaptureSource(String jdbcUrl, String user, String password) {
    public CaptureSource {
        if (jdbcUrl == null || Driver.parseURL(jdbcUrl, null) == null) {
            throw new ConfigurationException("db.url must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://localhost:5432/erp, got: " + Database.redactUrl(jdbcUrl));
        }
    }

    /**
     * A plain connection for catalog checks and publication/slot management, with connect and
     * socket timeouts so that a half-open connection after a failover cannot hang capture or a
     * graceful stop.
     */
    public java.sql.Connection connect() throws java.sql.SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "120");
        p.setProperty("ApplicationName", "startyhook-capture");
        return java.sql.DriverManager.getConnection(jdbcUrl, p);
    }

    Properties parsed() {
        return Driver.parseURL(jdbcUrl, null);
    }

    String host() {
        String hosts = parsed().getProperty("PGHOST", "localhost");
        return hosts.split(",")[0];
    }

    int port() {
        String ports = parsed().getProperty("PGPORT", "5432");
        return Integer.parseInt(ports.split(",")[0]);
    }

    String database() {
        return parsed().getProperty("PGDBNAME");
    }

    /** The URL's sslmode, or null. */
    String sslMode() {
        return parsed().getProperty("sslmode");
    }

    @Override
    public String toString() {
        return "CaptureSource[" + Database.redactUrl(jdbcUrl) + ", user=" + user + "]";
    }
}
