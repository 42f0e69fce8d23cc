// The AaveBoundary port: the exchange that holds a deposit's funds and the chain that takes its transaction.

/**
 * The outside world of a deposit. Every call carries the saga's idempotency key, as a client
 * order id does, so a call repeated after a crash returns the first answer and changes nothing.
 * A refusal (funds short, the chain says no) is a RuleViolationError naming its rule.
 */
export interface AaveBoundary {
  reserveFunds(r: { key: string; account: string; asset: string; amount: number }): Promise<{ reservationId: string }>;
  releaseFunds(r: { key: string; reservationId: string }): Promise<void>;
  submitDeposit(r: { key: string; account: string; asset: string; amount: number; reservationId: string }): Promise<{ txHash: string }>;
  cancelOrder(r: { key: string; txHash: string }): Promise<void>;
}
