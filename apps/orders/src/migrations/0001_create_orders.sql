-- Orders and their lines. `seq` orders the keyset paging (newest first) without exposing a counter;
-- `version` is the optimistic-concurrency token PATCH checks against If-Match.
CREATE TABLE orders (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
  currency char(3) NOT NULL,
  subtotal_cents bigint NOT NULL CHECK (subtotal_cents >= 0),
  discount_cents bigint NOT NULL CHECK (discount_cents >= 0),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  version integer NOT NULL DEFAULT 1,
  -- A retried POST with the same key finds its order here instead of creating a second one.
  idempotency_key text UNIQUE,
  request_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_lines (
  order_id uuid NOT NULL REFERENCES orders (id),
  line_no integer NOT NULL,
  product_id text NOT NULL,
  name text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint NOT NULL,
  discount_cents bigint NOT NULL,
  line_total_cents bigint NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
