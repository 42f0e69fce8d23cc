// Injection tokens of the admin endpoints (explicit symbols, so DI works without decorator metadata).
export const ADMIN_REGISTRY_STORE = Symbol.for('lucent.admin.RegistryStore');
export const ADMIN_AUTH_OPTIONS = Symbol.for('lucent.admin.AuthOptions');
export const ADMIN_SHADOW_REPORTS = Symbol.for('lucent.admin.ShadowReports');
