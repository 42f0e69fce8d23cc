// The typed refusal of a bundle: why it was not loaded, with a stable reason a log or test can match.
import { LucentError, type FieldIssue } from '@lucent/core';

export type BundleRejectionReason =
  | 'unsigned'
  | 'bad-signature'
  | 'hash-mismatch'
  | 'malformed-manifest'
  | 'malformed-envelope'
  | 'load-failed'
  | 'manifest-mismatch';

export class BundleRejectedError extends LucentError {
  readonly reason: BundleRejectionReason;
  /** For a malformed manifest or envelope: each bad field and what it must be. */
  readonly issues: readonly FieldIssue[];

  constructor(bundleId: string, reason: BundleRejectionReason, explanation: string, issues: readonly FieldIssue[] = []) {
    super('BUNDLE_REJECTED', `Bundle ${bundleId} refused (${reason}): ${explanation}`, issues.length > 0 ? { bundleId, reason, issues } : { bundleId, reason });
    this.reason = reason;
    this.issues = issues;
  }
}
