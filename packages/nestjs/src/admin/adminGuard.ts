// NestJS guard in front of the admin endpoints: lets only a verified admin token through and pins its identity on the request.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { resolveVerifyKey, verifyAdminToken, type AdminAuthOptions, type AdminIdentity } from './adminAuth.js';
import { ADMIN_AUTH_OPTIONS } from './adminTokens.js';

/** Where the guard leaves the verified identity; handlers read it from here, never from a header. */
export const adminIdentityKey = Symbol.for('lucent.admin.identity');

export interface RequestWithAdmin {
  readonly headers: Record<string, string | string[] | undefined>;
  [adminIdentityKey]?: AdminIdentity;
}

@Injectable()
export class AdminGuard implements CanActivate {
  private readonly key: ReturnType<typeof resolveVerifyKey>;

  constructor(@Inject(ADMIN_AUTH_OPTIONS) private readonly options: AdminAuthOptions) {
    // Resolve the key at start-up, so a misconfigured key fails the boot rather than the first request.
    this.key = resolveVerifyKey(options);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithAdmin>();
    const header = request.headers['authorization'];
    request[adminIdentityKey] = await verifyAdminToken(Array.isArray(header) ? undefined : header, this.options, this.key);
    return true;
  }
}
