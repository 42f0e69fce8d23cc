// LucentAdminModule: mounts the guarded registry admin endpoints on a NestJS app.
import { Module, type DynamicModule } from '@nestjs/common';
import type { RegistryStore } from '@lucent/runtime';
import type { AdminAuthOptions } from './adminAuth.js';
import { AdminGuard } from './adminGuard.js';
import { ADMIN_AUTH_OPTIONS, ADMIN_REGISTRY_STORE, ADMIN_SHADOW_REPORTS } from './adminTokens.js';
import { RegistryAdminController, type ShadowReportAnswer } from './registryAdminController.js';

export interface LucentAdminModuleOptions {
  readonly registry: RegistryStore;
  /** How admin bearer tokens are verified (key, algorithms, role claim). */
  readonly auth: AdminAuthOptions;
  /** Where GET /admin/registry/:name/shadow-report reads; without it that endpoint answers UNAVAILABLE. */
  readonly shadowReports?: (name: string) => Promise<ShadowReportAnswer>;
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
        { provide: ADMIN_SHADOW_REPORTS, useValue: options.shadowReports },
        AdminGuard,
      ],
    };
  }
}
