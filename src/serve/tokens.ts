// Bearer tokens of the API. A token is 32 random bytes (base64url, prefixed "clos_"); the tokens
// file keeps, per token, its name, role and SHA-256 (a random 256-bit token needs no slow hash:
// nothing to guess), never the token itself. Printed once by `clos serve token add`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../io/files.ts';

export const ROLES = ['read', 'operate'] as const;
export type Role = (typeof ROLES)[number];

const entrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a name of letters, digits, _ . - (at most 63)'),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
});
const fileSchema = z.strictObject({ version: z.literal(1), tokens: z.array(entrySchema) });

export type TokenEntry = z.infer<typeof entrySchema>;

export class TokensError extends Error {
  readonly code = 'TOKENS_INVALID';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenStore {
  private readonly byHash: Map<string, TokenEntry>;

  constructor(readonly entries: readonly TokenEntry[]) {
    this.byHash = new Map(entries.map((e) => [e.sha256, e]));
  }

  static load(file: string): TokenStore {
    if (!existsSync(file)) throw new TokensError(`${file}: no such tokens file (create one with: clos serve token add NAME --role read|operate --tokens ${file})`);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new TokensError(`${file}: not a tokens file (${(e as Error).message})`);
    }
    const r = fileSchema.safeParse(data);
    if (!r.success) throw new TokensError(`${file}: not a tokens file: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new TokenStore(r.data.tokens);
  }

  /** The entry of a presented token, compared hash to hash in constant time. */
  check(token: string): TokenEntry | undefined {
    const h = hashToken(token);
    const e = this.byHash.get(h);
    return e && timingSafeEqual(Buffer.from(e.sha256, 'hex'), Buffer.from(h, 'hex')) ? e : undefined;
  }
}

/** Adds a token to the file (creating it, mode 0600) and returns the token: the only time it
 *  exists outside the caller's hands. */
export async function addToken(file: string, name: string, role: string): Promise<string> {
  if (!(ROLES as readonly string[]).includes(role)) throw new TokensError(`--role must be read or operate, not "${role}"`);
  const parsedName = entrySchema.shape.name.safeParse(name);
  if (!parsedName.success) throw new TokensError(`token name "${name}": ${parsedName.error.issues[0]!.message}`);
  const store = existsSync(file) ? TokenStore.load(file) : new TokenStore([]);
  if (store.entries.some((e) => e.name === name)) throw new TokensError(`${file}: a token named ${name} exists already`);
  const token = `clos_${randomBytes(32).toString('base64url')}`;
  const entry: TokenEntry = { name, role: role as Role, sha256: hashToken(token), created: new Date().toISOString() };
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, tokens: [...store.entries, entry] }, null, 2)}\n`, 0o600);
  return token;
}
