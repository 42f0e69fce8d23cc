// A token verified once is not verified again until it expires; an expired, tampered or differently checked token never rides on the cache.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyBearerToken, type BearerVerifyOptions } from './bearerToken.js';
import { VerifiedTokens } from './verifiedTokens.js';
import { resolveVerifyKey } from './verifyKey.js';

const secret = 'a-test-secret-of-at-least-32-characters';
const sign = (claims: Record<string, unknown>, expSec: number): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expSec).sign(new TextEncoder().encode(secret));
const nowSec = (): number => Math.floor(Date.now() / 1000);
const refusal = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'accepted', (e: { code?: string; details?: { reason?: string } }) => `${e.code} ${e.details?.reason}`);

describe('verified bearer tokens', () => {
  it('answers a repeated token from the cache, with the claims it was verified with', async () => {
    const key = resolveVerifyKey({ secret });
    const options: BearerVerifyOptions = {};
    const token = await sign({ sub: 'alice' }, nowSec() + 60);
    const first = await verifyBearerToken(`Bearer ${token}`, options, key);
    const again = await verifyBearerToken(`Bearer ${token}`, options, key);
    expect(again).toBe(first);
    expect(again.sub).toBe('alice');
  });

  it('refuses a cached token once it expires, as a full check would', async () => {
    const key = resolveVerifyKey({ secret });
    const options: BearerVerifyOptions = { clockToleranceSec: 0 };
    const token = await sign({ sub: 'bob' }, nowSec() + 1);
    expect((await verifyBearerToken(`Bearer ${token}`, options, key)).sub).toBe('bob');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await refusal(verifyBearerToken(`Bearer ${token}`, options, key))).toBe('UNAUTHORIZED expired');
  });

  it('does not let a tampered copy of a verified token through', async () => {
    const key = resolveVerifyKey({ secret });
    const options: BearerVerifyOptions = {};
    const token = await sign({ sub: 'carol' }, nowSec() + 60);
    await verifyBearerToken(`Bearer ${token}`, options, key);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: nowSec() + 60 })).toString('base64url')}.${signature}`;
    expect(await refusal(verifyBearerToken(`Bearer ${forged}`, options, key))).toBe('UNAUTHORIZED ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('checks a token again under other options: one verified without an audience is refused where one is required', async () => {
    const key = resolveVerifyKey({ secret });
    const token = await sign({ sub: 'dave' }, nowSec() + 60);
    await verifyBearerToken(`Bearer ${token}`, {}, key);
    expect(await refusal(verifyBearerToken(`Bearer ${token}`, { audience: 'trading' }, key))).toBe('UNAUTHORIZED ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('keeps at most its capacity, dropping the oldest first', () => {
    const cache = new VerifiedTokens(2);
    const options = {};
    const exp = nowSec() + 60;
    cache.set('a', options, { exp, sub: 'a' });
    cache.set('b', options, { exp, sub: 'b' });
    cache.set('c', options, { exp, sub: 'c' });
    expect(cache.size).toBe(2);
    expect(cache.get('a', options, nowSec(), 5)).toBeUndefined();
    expect(cache.get('c', options, nowSec(), 5)?.sub).toBe('c');
  });
});
