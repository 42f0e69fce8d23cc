// Operators' HTTP interface: the registry admin endpoints, their guard and its token verification.
export * from './adminTokens.js';
export * from './adminAuth.js';
export * from './adminGuard.js';
export * from './registryAdminController.js';
export * from './lucentAdminModule.js';
