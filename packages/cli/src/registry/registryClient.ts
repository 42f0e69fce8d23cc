// What `lucent registry` needs from a registry, whether reached through NATS KV directly or through the admin HTTP API.
import type { JurisdictionRules, RegisteredVersion, RulesChangeRecord, RulesEntry } from '@lucent/core';
import type { RouteEdit } from './routeArgs.js';

export interface WriteOptions {
  readonly reason: string;
  readonly force?: boolean;
}

export interface RegistryClient {
  list(): Promise<RulesEntry[]>;
  show(name: string): Promise<RulesEntry>;
  history(name: string, limit?: number): Promise<RulesChangeRecord[]>;
  /** Add a version (inactive; the first version of a function becomes active). */
  register(name: string, version: RegisteredVersion, options: WriteOptions): Promise<RulesEntry>;
  activate(name: string, version: string, options: WriteOptions): Promise<RulesEntry>;
  /** Make the previously active version (or `to`) active again. */
  rollback(name: string, to: string | undefined, options: WriteOptions): Promise<RulesEntry>;
  weights(name: string, weights: Readonly<Record<string, number>>, options: WriteOptions): Promise<RulesEntry>;
  shadow(name: string, version: string | undefined, options: WriteOptions): Promise<RulesEntry>;
  enable(name: string, options: WriteOptions): Promise<RulesEntry>;
  disable(name: string, options: WriteOptions): Promise<RulesEntry>;
  jurisdictions(name: string, rules: JurisdictionRules, options: WriteOptions): Promise<RulesEntry>;
  /** Add or replace a route by name, remove one, or clear them all. */
  route(name: string, edit: RouteEdit, options: WriteOptions): Promise<RulesEntry>;
  close(): Promise<void>;
}
