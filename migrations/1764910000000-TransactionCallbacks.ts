import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status callbacks to client apps.
 * - `transactions.callback_url`: where a request's status changes are POSTed, resolved at
 *   acceptance (the request's own `callbackUrl`, else its client's), so a later change of
 *   configuration never redirects callbacks already owed. NULL: the client wants none.
 * - `callback_deliveries`: the outbox, one row per status change a client is told about. The
 *   id is the order of events of one transaction; the payload is what the transaction looked
 *   like at that change, not when the delivery happens to go out.
 * - A trigger on `transactions` writes that row in the same database transaction as the status
 *   change, wherever in the pipeline it is made, so no change is ever lost or invented by a
 *   rolled-back step. Its WHEN clause keeps the cost at nothing for requests without a URL.
 *   `signed` is internal (stored before broadcasting, still nothing the client can look up on
 *   chain): it is never sent, and counts as the `queued` it came from.
 */
export class TransactionCallbacks1764910000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactions" ADD "callback_url" varchar(2048)`);
    await queryRunner.query(`
      CREATE TABLE "callback_deliveries" (
        "id"              bigserial     NOT NULL,
        "transaction_id"  uuid          NOT NULL,
        "client_id"       varchar(64)   NOT NULL,
        "callback_url"    varchar(2048) NOT NULL,
        "event_status"    varchar(16)   NOT NULL,
        "previous_status" varchar(16)   NOT NULL,
        "payload"         jsonb         NOT NULL,
        "status"          varchar(16)   NOT NULL DEFAULT 'pending',
        "attempts"        integer       NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz   NOT NULL DEFAULT now(),
        "last_attempt_at" timestamptz,
        "last_error"      varchar(500),
        "lease_token"     uuid,
        "leased_until"    timestamptz,
        "created_at"      timestamptz   NOT NULL DEFAULT now(),
        "delivered_at"    timestamptz,
        CONSTRAINT "pk_callback_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "fk_callback_deliveries_transaction_id" FOREIGN KEY ("transaction_id")
          REFERENCES "transactions" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_callback_deliveries_status" CHECK (status IN ('pending', 'delivered', 'failed'))
      )
    `);
    // The ordering check (an earlier event of the same transaction still pending) and the txId filter.
    await queryRunner.query(`CREATE INDEX "ix_callback_deliveries_transaction_id_id" ON "callback_deliveries" ("transaction_id", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_callback_deliveries_client_id_id" ON "callback_deliveries" ("client_id", "id")`);
    // The worker's poll reads only what is still owed, however long the delivered history grows.
    await queryRunner.query(
      `CREATE INDEX "ix_callback_deliveries_next_attempt_at" ON "callback_deliveries" ("next_attempt_at") WHERE status = 'pending'`,
    );
    // jsonb_build_object with numbers as text: block numbers and wei exceed what a JSON reader's
    // doubles hold, as in the client API. pg_notify folds identical notifications of one
    // transaction into one, so a batch of a hundred rows wakes the workers once, at commit.
    await queryRunner.query(`
      CREATE FUNCTION "transactions_enqueue_callback"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        previous varchar(16) := CASE WHEN OLD.status = 'signed' THEN 'queued' ELSE OLD.status END;
      BEGIN
        IF NEW.status = 'signed' OR NEW.status = previous THEN
          RETURN NULL;
        END IF;
        INSERT INTO callback_deliveries (transaction_id, client_id, callback_url, event_status, previous_status, payload)
        VALUES (NEW.id, NEW.client_id, NEW.callback_url, NEW.status, previous, jsonb_build_object(
          'event', 'transaction.' || NEW.status,
          'txId', NEW.id,
          'kind', NEW.kind,
          'status', NEW.status,
          'previousStatus', previous,
          'userId', NEW.user_id,
          'address', NEW.address,
          'amount', trim_scale(NEW.amount::numeric(96, 18) / 1000000000000000000)::text,
          'amountWei', NEW.amount::text,
          'chainId', NEW.chain_id,
          'txHash', NEW.tx_hash,
          'blockNumber', NEW.block_number::text,
          'confirmations', NEW.confirmations,
          'reorgCount', NEW.reorg_count,
          'error', CASE WHEN NEW.status = 'failed' AND NEW.error_code IS NOT NULL
                        THEN jsonb_build_object('code', NEW.error_code, 'message', coalesce(NEW.error_message, ''))
                   END,
          'occurredAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        ));
        PERFORM pg_notify('callback_deliveries', '');
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER "trg_transactions_callback" AFTER UPDATE OF status ON "transactions"
        FOR EACH ROW WHEN (NEW.callback_url IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status)
        EXECUTE FUNCTION "transactions_enqueue_callback"()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_transactions_callback" ON "transactions"`);
    await queryRunner.query(`DROP FUNCTION "transactions_enqueue_callback"()`);
    await queryRunner.query(`DROP TABLE "callback_deliveries"`);
    await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "callback_url"`);
  }
}
