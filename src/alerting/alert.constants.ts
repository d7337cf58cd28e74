/**
 * The alert vocabulary shared with the Python backend this service replaces: receivers and
 * people already know these severities and categories, so they are never renamed.
 */

/** From least to most urgent. */
export const ALERT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** open → acknowledged (someone is on it) → resolved; an open alert may also be resolved directly. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * Stable categories: receivers route and filter on them. The first four are the Python
 * backend's; the others name conditions only this service raises.
 */
export const AlertCategory = {
  TRANSACTION_PENDING: 'transaction_pending',
  TRANSACTION_FAILED: 'transaction_failed',
  GAS_PRICE_SPIKE: 'gas_price_spike',
  SYSTEM_TEST: 'system_test',
  CIRCUIT_BREAKER: 'circuit_breaker',
  PIPELINE_HELD: 'pipeline_held',
  /** The failed share of recently settled transactions is above FAILURE_RATE_ALERT_THRESHOLD. */
  TRANSACTION_FAILURE_RATE: 'transaction_failure_rate',
  /** The sending wallet holds less ETH than HOT_WALLET_MIN_BALANCE_ETH, ahead of running dry. */
  HOT_WALLET_LOW_BALANCE: 'hot_wallet_low_balance',
  /** The node refused a send because the sending wallet cannot pay for gas. */
  HOT_WALLET_INSUFFICIENT_FUNDS: 'hot_wallet_insufficient_funds',
  /** The node refused a signed transaction for good (malformed, over the gas limit): its requests failed. */
  TRANSACTION_REJECTED: 'transaction_rejected',
  /** Another transaction from the sending wallet took a nonce of ours: something else uses the key. */
  NONCE_TAKEN_BY_FOREIGN_TRANSACTION: 'nonce_taken_by_foreign_transaction',
  /** Nonce gaps that stay, or the nonce counter behind the chain. */
  NONCE_DRIFT: 'nonce_drift',
  /** A block holding our transactions left the chain; they are back in flight. */
  CHAIN_REORG: 'chain_reorg',
  /** An alert delivery failed for good, or keeps failing: that channel target is not reaching anyone. */
  ALERT_DELIVERY_FAILED: 'alert_delivery_failed',
} as const;

/** What a category looks like (the column holds 64 characters): lower snake case. */
export const ALERT_CATEGORY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
