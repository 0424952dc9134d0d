package com.startyhook.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Simulated ERP activity on the demo schema ({@code sql/demo/erp_schema.sql}), written the way ERP
 * code writes it: inserts followed by bookkeeping updates in one transaction, a confirmation made
 * of several updates of the same document, state changes separate from date bumps, stock
 * movements that move products below their reorder level. Used by {@code demo} and {@code bench}.
 */
public final class ErpSimulator implements AutoCloseable {
    private final Connection connection;
    private final Random random;
    private final Consumer<String> narrator;
    private final List<Long> customers = new ArrayList<>();
    private final List<Long> products = new ArrayList<>();
    private final List<Long> draftDocuments = new ArrayList<>();
    private int step;

    public ErpSimulator(String jdbcUrl, String user, String password, long seed, Consumer<String> narrator)
            throws SQLException {
        this.connection = DriverManager.getConnection(jdbcUrl, user, password);
        this.connection.setAutoCommit(false);
        this.random = new Random(seed);
        this.narrator = narrator;
    }

    /** Creates a few customers and products to act on (committed before flows are activated). */
    public void seed() throws SQLException {
        for (int i = 1; i <= 3; i++) {
            customers.add(insertReturningId("INSERT INTO erp.customer (organization_id, name, email) VALUES ("
                    + org() + ", 'Customer " + i + "', 'c" + i + "@example.com') RETURNING id"));
        }
        for (int i = 1; i <= 4; i++) {
            long id = insertReturningId("INSERT INTO erp.product (organization_id, sku, name, price, reorder_level)"
                    + " VALUES (" + org() + ", 'SKU-" + i + "-" + random.nextInt(1_000_000) + "', 'Product " + i
                    + "', " + (10 + i) + ".50, 10) RETURNING id");
            products.add(id);
            execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty, reason) VALUES (1, " + id
                    + ", 25, 'opening balance')");
        }
        connection.commit();
    }

    /** Performs the next step of a fixed cycle of business activity, in one transaction. */
    public void step() throws SQLException {
        switch (step++ % 6) {
            case 0 -> createProject();
            case 1 -> createInvoice();
            case 2 -> confirmInvoice();
            case 3 -> moveStock();
            case 4 -> blockOrUnblockCustomer();
            default -> moveStock();
        }
        connection.commit();
    }

    private void createProject() throws SQLException {
        long customer = pick(customers);
        long id = insertReturningId("INSERT INTO erp.project (organization_id, customer_id, code, name, budget)"
                + " VALUES (" + org() + ", " + customer + ", 'P-" + step + "', 'Project " + step + "', "
                + (1000 + random.nextInt(9000)) + ") RETURNING id");
        // bookkeeping update in the same transaction, as ERP ORMs do
        execute("UPDATE erp.project SET status = 'active', updated_at = now() WHERE id = " + id);
        narrator.accept("ERP: project " + id + " created for customer " + customer);
    }

    private void createInvoice() throws SQLException {
        long customer = pick(customers);
        long id = insertReturningId("INSERT INTO erp.document (organization_id, customer_id, doc_type, total)"
                + " VALUES (" + org() + ", " + customer + ", 'invoice', 0) RETURNING id");
        long product = pick(products);
        execute("INSERT INTO erp.document_line (document_id, product_id, qty, unit_price) VALUES (" + id + ", "
                + product + ", 2, 99.90)");
        execute("UPDATE erp.document SET total = 199.80, number = 'INV-" + id + "', updated_at = now() WHERE id = " + id);
        draftDocuments.add(id);
        narrator.accept("ERP: draft invoice " + id + " created");
    }

    private void confirmInvoice() throws SQLException {
        if (draftDocuments.isEmpty()) {
            createInvoice();
        }
        long id = draftDocuments.remove(0);
        // a confirmation is four updates of the same document; only the last sets the status
        execute("UPDATE erp.document SET due_date = current_date + 30 WHERE id = " + id);
        execute("UPDATE erp.document SET total = total WHERE id = " + id);
        execute("UPDATE erp.document SET confirmed_at = now() WHERE id = " + id);
        execute("UPDATE erp.document SET status = 'confirmed', updated_at = now() WHERE id = " + id);
        narrator.accept("ERP: invoice " + id + " confirmed (four updates in one transaction)");
    }

    private void moveStock() throws SQLException {
        long product = pick(products);
        BigDecimal qty = BigDecimal.valueOf(-(2 + random.nextInt(6)));
        if (random.nextInt(4) == 0) {
            qty = BigDecimal.valueOf(15);
        }
        execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty, reason) VALUES (1, " + product
                + ", " + qty + ", '" + (qty.signum() < 0 ? "sale" : "goods receipt") + "')");
        narrator.accept("ERP: stock movement " + qty + " on product " + product);
    }

    private void blockOrUnblockCustomer() throws SQLException {
        long customer = pick(customers);
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT status FROM erp.customer WHERE id = " + customer)) {
            rs.next();
            String next = "blocked".equals(rs.getString(1)) ? "active" : "blocked";
            execute("UPDATE erp.customer SET status = '" + next + "' WHERE id = " + customer);
            execute("UPDATE erp.customer SET updated_at = now() WHERE id = " + customer);
            narrator.accept("ERP: customer " + customer + " is now " + next);
        }
    }

    private long org() {
        return random.nextInt(3) == 0 ? 7 : 1;
    }

    private long pick(List<Long> ids) {
        return ids.get(random.nextInt(ids.size()));
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private long insertReturningId(String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
