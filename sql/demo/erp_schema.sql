-- A small but realistic ERP schema for the demo, the examples in rules/ and the tests.
-- Documents and other tables that flows watch for confirm/change/become carry
-- REPLICA IDENTITY FULL, so that old values reach the connector (docs/capture.md).
CREATE SCHEMA IF NOT EXISTS erp;

CREATE TABLE erp.organization (
    id          bigint PRIMARY KEY,
    name        text   NOT NULL
);

CREATE TABLE erp.customer (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES erp.organization (id),
    name            text   NOT NULL,
    email           text,
    status          text   NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'archived')),
    credit_limit    numeric(12, 2) NOT NULL DEFAULT 0,
    notes           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE erp.customer REPLICA IDENTITY FULL;

CREATE TABLE erp.project (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES erp.organization (id),
    customer_id     bigint REFERENCES erp.customer (id),
    code            text   NOT NULL,
    name            text   NOT NULL,
    status          text   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'active', 'closed')),
    budget          numeric(12, 2),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE erp.project REPLICA IDENTITY FULL;

CREATE TABLE erp.product (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES erp.organization (id),
    sku             text   NOT NULL UNIQUE,
    name            text   NOT NULL,
    price           numeric(12, 2) NOT NULL DEFAULT 0,
    reorder_level   numeric(12, 3) NOT NULL DEFAULT 0,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE erp.product REPLICA IDENTITY FULL;

CREATE TABLE erp.stock_movement (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES erp.organization (id),
    product_id      bigint NOT NULL REFERENCES erp.product (id),
    qty             numeric(12, 3) NOT NULL,
    reason          text   NOT NULL DEFAULT 'adjustment',
    document_id     bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_movement_product ON erp.stock_movement (product_id);
CREATE INDEX stock_movement_created ON erp.stock_movement (created_at);

-- Invoices, delivery notes, orders: one table, a type and a status that gets confirmed.
CREATE TABLE erp.document (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES erp.organization (id),
    customer_id     bigint REFERENCES erp.customer (id),
    doc_type        text   NOT NULL CHECK (doc_type IN ('invoice', 'order', 'delivery_note', 'goods_receipt')),
    number          text,
    status          text   NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'confirmed', 'processing', 'done', 'paid', 'cancelled')),
    total           numeric(12, 2) NOT NULL DEFAULT 0,
    due_date        date,
    confirmed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE erp.document REPLICA IDENTITY FULL;

CREATE TABLE erp.document_line (
    id              bigserial PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES erp.document (id) ON DELETE CASCADE,
    product_id      bigint REFERENCES erp.product (id),
    qty             numeric(12, 3) NOT NULL,
    unit_price      numeric(12, 2) NOT NULL
);

-- What real ERPs have too: a table without a primary key, updated all the time.
-- It must never be added to a publication (PostgreSQL would then refuse its updates).
CREATE TABLE erp.session_cache (
    session_key     text,
    payload         text,
    touched_at      timestamptz DEFAULT now()
);

INSERT INTO erp.organization (id, name) VALUES (1, 'Starty Srl'), (2, 'Starty GmbH'), (7, 'Starty Inc');
