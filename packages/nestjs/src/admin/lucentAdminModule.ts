// LucentAdminModule: mounts the guarded registry admin endpoints on a NestJS app.
import { Module, type DynamicModule } from '@nestjs/common';
import type { RegistryStore } from '@lucent/runtime';
import type { AdminAuthOptions } from './adminAuth.js';
import { AdminGuard } from './adminGuard.js';
import { ADMIN_AUTH_OPTIONS, ADMIN_REGISTRY_STORE } from './adminTokens.js';
import { RegistryAdminController } from './registryAdminController.js';

export interface LucentAdminModuleOptions {
  readonly registry: RegistryStore;
  /** How admin bearer tokens are verified (key, algorithms, role claim). */
  readonly auth: AdminAuthOptions;
}

@Module({})
export class LucentAdminModule {
  static forRoot(options: LucentAdminModuleOptions): DynamicModule {
    return {
      module: LucentAdminModule,
      controllers: [RegistryAdminController],
      providers: [
        { provide: ADMIN_REGISTRY_STORE, useValue: options.registry },
        { provide: ADMIN_AUTH_OPTIONS, useValue: options.auth },
        AdminGuard,
      ],
    };
  }
}
