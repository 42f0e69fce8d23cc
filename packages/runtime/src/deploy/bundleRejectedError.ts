// The typed refusal of a bundle: why it was not loaded, with a stable reason a log or test can match.
import { LucentError } from '@lucent/core';

export type BundleRejectionReason =
  | 'unsigned'
  | 'bad-signature'
  | 'hash-mismatch'
  | 'malformed-manifest'
  | 'load-failed'
  | 'manifest-mismatch';

export class BundleRejectedError extends LucentError {
  readonly reason: BundleRejectionReason;

  constructor(bundleId: string, reason: BundleRejectionReason, explanation: string) {
    super('BUNDLE_REJECTED', `Bundle ${bundleId} refused (${reason}): ${explanation}`, { bundleId, reason });
    this.reason = reason;
  }
}
