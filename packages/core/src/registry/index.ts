// The registry's pure part: rule types, version selection, contract safety, rule edits.
export * from './functionRules.js';
export * from './murmur3.js';
export * from './jurisdictions.js';
export * from './selectVersion.js';
export * from './contractCompatibility.js';
export * from './checkRulesChange.js';
export * from './ruleChanges.js';
export * from './routeChanges.js';
export * from './routeIssues.js';
export * from './manifestVersions.js';
export * from './rollbackTarget.js';
