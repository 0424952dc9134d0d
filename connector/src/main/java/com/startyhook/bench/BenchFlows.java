package com.startyhook.bench;

import com.startyhook.receiver.HttpsReceiver;

/** The benchmark's flows, as the JSON files an administrator would write, posting to the local receiver. */
final class BenchFlows {
    private final HttpsReceiver receiver;

    BenchFlows(HttpsReceiver receiver) {
        this.receiver = receiver;
    }

    String projectCreated() {
        return "{\"name\": \"" + LoadGenerator.CREATED + "\", \"description\": \"Benchmark: every new project.\","
                + " \"entity\": \"project\", \"trigger\": {\"type\": \"event\", \"events\": [\"create\"]},"
                + " \"mode\": \"every-time\", \"actions\": " + webhook("project-created") + "}";
    }

    String invoiceConfirmed() {
        return "{\"name\": \"" + LoadGenerator.CONFIRMED + "\", \"description\": \"Benchmark: confirmed invoices.\","
                + " \"entity\": \"document\", \"trigger\": {\"type\": \"event\", \"events\": [\"confirm\"]},"
                + " \"criteria\": [{\"property\": \"doc_type\", \"op\": \"eq\", \"value\": \"invoice\"}],"
                + " \"mode\": \"every-time\", \"actions\": " + webhook("invoice-confirmed") + "}";
    }

    String customerBlocked() {
        return "{\"name\": \"" + LoadGenerator.BLOCKED + "\", \"description\": \"Benchmark: blocked customers.\","
                + " \"entity\": \"customer\", \"trigger\": {\"type\": \"event\", \"events\": [\"become\"],"
                + " \"property\": \"status\", \"value\": \"blocked\"}, \"mode\": \"every-time\", \"actions\": "
                + webhook("customer-blocked") + "}";
    }

    String stockChanged() {
        return "{\"name\": \"" + LoadGenerator.STOCK + "\", \"description\": \"Benchmark: stock of the bench products.\","
                + " \"entity\": \"product\", \"trigger\": {\"type\": \"condition\", \"query\": \"SELECT p.id AS id,"
                + " p.organization_id AS organization, sum(m.qty) AS stock FROM erp.product p JOIN erp.stock_movement m"
                + " ON m.product_id = p.id WHERE p.sku LIKE 'BENCH-%' GROUP BY p.id\", \"interval\": \"1s\"},"
                + " \"mode\": \"every-time\", \"actions\": " + webhook("stock-changed") + "}";
    }

    private String webhook(String path) {
        return "[{\"type\": \"webhook\", \"url\": \"" + receiver.url("/hooks/" + path) + "\", \"secret\": \"env:"
                + ConnectorUnderTest.SECRET_ENV + "\"}]";
    }
}
