// The table of hosted versions: registration and its conflicts, lookup, activation, withdrawal, the kill switch and registry rules.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, initialRules, LucentError, registerVersion, setEnabled, setJurisdictions, setWeights } from '@lucent/core';
import { FunctionTable } from './functionTable.js';

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) };
const v1 = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, ({ x }) => ({ y: x }));
const v2 = defineFunction({ name: 'quote.price', version: '2.0.0', ...contract }, ({ x }) => ({ y: x * 2 }));
const other = defineFunction({ name: 'quote.fee', version: '1.0.0', ...contract }, ({ x }) => ({ y: x / 100 }));
const fp = { input: 'sha256:in', output: 'sha256:out' };
const bothVersions = registerVersion(initialRules('quote.price', { version: '1.0.0', fingerprint: fp }), { version: '2.0.0', fingerprint: fp });

const codeOf = (act: () => unknown): string => {
  try {
    act();
    return 'no error';
  } catch (error) {
    return error instanceof LucentError ? error.code : 'not a LucentError';
  }
};

describe('FunctionTable', () => {
  it('makes the first registered version of a name the active one, and lists every version it hosts', () => {
    const table = new FunctionTable().register(v1, v2, { fee: other });
    expect(table.lookup('quote.price')).toBe(v1);
    expect(table.lookup('quote.price', '2.0.0')).toBe(v2);
    expect(table.list()).toEqual([
      { name: 'quote.price', activeVersion: '1.0.0', versions: ['1.0.0', '2.0.0'], enabled: true },
      { name: 'quote.fee', activeVersion: '1.0.0', versions: ['1.0.0'], enabled: true },
    ]);
    expect(table.hosts('quote.price', '2.0.0')).toBe(true);
    expect(table.hosts('quote.price', '3.0.0')).toBe(false);
    expect(table.hosts('quote.fee')).toBe(true);
    expect(table.has('quote.tax')).toBe(false);
  });

  it('accepts the same definition twice but refuses a different one under a taken version with CONFLICT', () => {
    const table = new FunctionTable().register(v1);
    expect(codeOf(() => table.register(v1))).toBe('no error');
    const impostor = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, () => ({ y: 0 }));
    expect(codeOf(() => table.register(impostor))).toBe('CONFLICT');
    expect(table.lookup('quote.price')).toBe(v1);
  });

  it('answers FUNCTION_NOT_FOUND for an unknown name or version, whether looked up, activated or switched off', () => {
    const table = new FunctionTable().register(v1);
    expect(codeOf(() => table.lookup('quote.tax'))).toBe('FUNCTION_NOT_FOUND');
    expect(codeOf(() => table.lookup('quote.price', '9.0.0'))).toBe('FUNCTION_NOT_FOUND');
    expect(codeOf(() => table.activate('quote.price', '9.0.0'))).toBe('FUNCTION_NOT_FOUND');
    expect(codeOf(() => table.setEnabled('quote.tax', false))).toBe('FUNCTION_NOT_FOUND');
  });

  it('activates another hosted version and switches a function off and on', () => {
    const table = new FunctionTable().register(v1, v2);
    table.activate('quote.price', '2.0.0');
    expect(table.lookup('quote.price')).toBe(v2);
    expect(table.versionFor('quote.price')).toBe('2.0.0');
    table.setEnabled('quote.price', false);
    expect(table.list()[0]!.enabled).toBe(false);
    table.setEnabled('quote.price', true);
    expect(table.list()[0]!.enabled).toBe(true);
  });

  it('withdraws an inactive version but never the active one or one it does not host', () => {
    const table = new FunctionTable().register(v1, v2);
    expect(table.unregister('quote.price', '1.0.0')).toBe(false);
    expect(table.unregister('quote.price', '3.0.0')).toBe(false);
    expect(table.unregister('quote.tax', '1.0.0')).toBe(false);
    expect(table.unregister('quote.price', '2.0.0')).toBe(true);
    expect(table.hosts('quote.price', '2.0.0')).toBe(false);
    expect(table.lookup('quote.price')).toBe(v1);
  });

  it('takes the active version and the kill switch from registry rules, and keeps them when the rules are removed', () => {
    const table = new FunctionTable().register(v1, v2);
    const rules = setEnabled({ ...bothVersions, active: '2.0.0' }, false);
    expect(table.applyRules('quote.price', rules)).toBe(true);
    expect(table.rulesOf('quote.price')).toBe(rules);
    expect(table.list()[0]).toMatchObject({ activeVersion: '2.0.0', enabled: false });
    expect(table.applyRules('quote.price', undefined)).toBe(true);
    expect(table.rulesOf('quote.price')).toBeUndefined();
    expect(table.list()[0]).toMatchObject({ activeVersion: '2.0.0', enabled: false });
    expect(table.applyRules('quote.tax', rules)).toBe(false);
  });

  it('keeps its active version when the rules name one it does not host', () => {
    const table = new FunctionTable().register(v1);
    table.applyRules('quote.price', { ...bothVersions, active: '2.0.0' });
    expect(table.lookup('quote.price')).toBe(v1);
  });

  it('tells which version a call would run: the same one for the same account, none when the rules refuse it', () => {
    const table = new FunctionTable().register(v1, v2);
    expect(table.versionFor('quote.tax')).toBeUndefined();
    table.applyRules('quote.price', setWeights(bothVersions, { '2.0.0': 50 }));
    const accounts = Array.from({ length: 200 }, (_, i) => `acct-${i}`);
    const chosen = accounts.map((accountId) => table.versionFor('quote.price', { accountId }));
    expect(new Set(chosen)).toEqual(new Set(['1.0.0', '2.0.0']));
    expect(accounts.map((accountId) => table.versionFor('quote.price', { accountId }))).toEqual(chosen);
    expect(table.versionFor('quote.price')).toBe('1.0.0');

    table.applyRules('quote.price', setJurisdictions(bothVersions, { deny: ['US'] }));
    expect(table.versionFor('quote.price', { jurisdiction: 'US' })).toBeUndefined();
    expect(table.versionFor('quote.price', { jurisdiction: 'DE' })).toBe('1.0.0');
    table.applyRules('quote.price', setEnabled(bothVersions, false));
    expect(table.versionFor('quote.price')).toBeUndefined();
  });
});
