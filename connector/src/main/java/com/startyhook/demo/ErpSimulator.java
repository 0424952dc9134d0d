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
 * movements that move products below their reorder level. One cycle of twelve steps touches every
 * example flow in {@code rules/}: project created and closed, invoices confirmed (above and below
 * the flow's 1000 threshold) and drafts deleted, customers blocked and their credit limit raised,
 * stock sold and received. Used by {@code demo} and {@code bench}.
 */
public final class ErpSimulator implements AutoCloseable {
    /** Opening stock of each seeded product, a little above its reorder level of 10. */
    static final int OPENING_STOCK = 16;
    static final int REORDER_LEVEL = 10;

    private final Connection connection;
    private final Random random;
    private final Consumer<String> narrator;
    private final List<Long> customers = new ArrayList<>();
    private final List<Long> products = new ArrayList<>();
    private final List<Long> activeProjects = new ArrayList<>();
    private final List<Long> draftDocuments = new ArrayList<>();
    private int step;
    private int invoices;

    /** @param narrator told, in one line, what each step did (e.g. "invoice 12 confirmed ...") */
    public ErpSimulator(String jdbcUrl, String user, String password, long seed, Consumer<String> narrator)
            throws SQLException {
        this.connection = DriverManager.getConnection(jdbcUrl, user, password);
        this.connection.setAutoCommit(false);
        this.random = new Random(seed);
        this.narrator = narrator;
    }

    /** Creates a few customers and products to act on (committed before flows are activated). */
    public void seed() throws SQLException {
        for (int i = 1; i <= 5; i++) {
            customers.add(insertReturningId("INSERT INTO erp.customer (organization_id, name, email) VALUES ("
                    + org() + ", 'Customer " + i + "', 'c" + i + "@example.com') RETURNING id"));
        }
        for (int i = 1; i <= 4; i++) {
            long id = insertReturningId("INSERT INTO erp.product (organization_id, sku, name, price, reorder_level)"
                    + " VALUES (" + org() + ", 'SKU-" + i + "-" + random.nextInt(1_000_000) + "', 'Product " + i
                    + "', " + (10 + i) + ".50, " + REORDER_LEVEL + ") RETURNING id");
            products.add(id);
            execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty, reason) VALUES (1, " + id
                    + ", " + OPENING_STOCK + ", 'opening balance')");
        }
        connection.commit();
    }

    /** Performs the next step of a fixed cycle of business activity, in one transaction. */
    public void step() throws SQLException {
        switch (step++ % 12) {
            case 0 -> createProject();
            case 1, 7 -> createInvoice();
            case 3 -> confirmInvoice();
            case 4 -> blockOrUnblockCustomer();
            case 6 -> closeProject();
            case 9 -> raiseCreditLimit();
            case 10 -> deleteDraft();
            default -> moveStock();
        }
        connection.commit();
    }

    private void createProject() throws SQLException {
        long customer = pick(customers);
        long id = insertReturningId("INSERT INTO erp.project (organization_id, customer_id, code, name, budget)"
                + " VALUES (" + org() + ", " + customer + ", 'P-" + step + "', 'Project " + step + "', "
                + (1000 + random.nextInt(9000)) + ") RETURNING id");
        // bookkeeping update in the same transaction, as ERP ORMs do: still one net `create`
        execute("UPDATE erp.project SET status = 'active', updated_at = now() WHERE id = " + id);
        activeProjects.add(id);
        narrator.accept("project " + id + " created for customer " + customer + " (insert + update in one transaction)");
    }

    private void closeProject() throws SQLException {
        if (activeProjects.isEmpty()) {
            createProject();
            return;
        }
        long id = activeProjects.remove(0);
        execute("UPDATE erp.project SET status = 'closed' WHERE id = " + id);
        execute("UPDATE erp.project SET updated_at = now() WHERE id = " + id);
        narrator.accept("project " + id + " closed");
    }

    private void createInvoice() throws SQLException {
        long customer = pick(customers);
        long id = insertReturningId("INSERT INTO erp.document (organization_id, customer_id, doc_type, total)"
                + " VALUES (" + org() + ", " + customer + ", 'invoice', 0) RETURNING id");
        long product = pick(products);
        // two invoices in three exceed the invoice-confirmed flow's threshold of 1000
        int qty = invoices++ % 3 == 2 ? 2 : 11 + random.nextInt(5);
        execute("INSERT INTO erp.document_line (document_id, product_id, qty, unit_price) VALUES (" + id + ", "
                + product + ", " + qty + ", 99.90)");
        execute("UPDATE erp.document SET total = (SELECT sum(qty * unit_price) FROM erp.document_line"
                + " WHERE document_id = " + id + "), number = 'INV-" + id + "', updated_at = now() WHERE id = " + id);
        draftDocuments.add(id);
        narrator.accept("draft invoice " + id + " created (total " + new BigDecimal("99.90").multiply(BigDecimal.valueOf(qty))
                + ")");
    }

    private void confirmInvoice() throws SQLException {
        if (draftDocuments.isEmpty()) {
            createInvoice();
            return;
        }
        long id = draftDocuments.remove(0);
        // a confirmation is four updates of the same document; only the last sets the status
        execute("UPDATE erp.document SET due_date = current_date + 30 WHERE id = " + id);
        execute("UPDATE erp.document SET total = total WHERE id = " + id);
        execute("UPDATE erp.document SET confirmed_at = now() WHERE id = " + id);
        execute("UPDATE erp.document SET status = 'confirmed', updated_at = now() WHERE id = " + id);
        narrator.accept("invoice " + id + " confirmed (four updates in one transaction)");
    }

    private void deleteDraft() throws SQLException {
        if (draftDocuments.isEmpty()) {
            createInvoice();
            return;
        }
        long id = draftDocuments.remove(draftDocuments.size() - 1);
        execute("DELETE FROM erp.document WHERE id = " + id);
        narrator.accept("draft invoice " + id + " deleted");
    }

    private void moveStock() throws SQLException {
        long product = pick(products);
        BigDecimal qty = random.nextInt(5) == 0 ? BigDecimal.valueOf(20) : BigDecimal.valueOf(-(2 + random.nextInt(6)));
        execute("INSERT INTO erp.stock_movement (organization_id, product_id, qty, reason) VALUES (1, " + product
                + ", " + qty + ", '" + (qty.signum() < 0 ? "sale" : "goods receipt") + "')");
        narrator.accept("stock movement " + (qty.signum() > 0 ? "+" : "") + qty + " on product " + product);
    }

    private void blockOrUnblockCustomer() throws SQLException {
        long customer = pick(customers);
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT status FROM erp.customer WHERE id = " + customer)) {
            rs.next();
            String next = "blocked".equals(rs.getString(1)) ? "active" : "blocked";
            execute("UPDATE erp.customer SET status = '" + next + "' WHERE id = " + customer);
            execute("UPDATE erp.customer SET updated_at = now() WHERE id = " + customer);
            narrator.accept("customer " + customer + " is now " + next);
        }
    }

    private void raiseCreditLimit() throws SQLException {
        long customer = pick(customers);
        execute("UPDATE erp.customer SET credit_limit = credit_limit + 500, updated_at = now() WHERE id = " + customer);
        narrator.accept("customer " + customer + ": credit limit raised by 500");
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
