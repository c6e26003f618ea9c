import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Cluster } from '../cluster/types.js';
import { SerialQueue } from '../git/queue.js';
import { ApiError } from './api-error.js';

export const PERMISSIONS = ['intents:read', 'intents:write', 'intents:delete', 'resources:read', 'tokens:manage', 'admin:*'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const DEFAULT_EXPIRY_DAYS = 90;
export const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 86_400_000;

/** What is stored of a token: never the token itself, only a salted hash of its secret part. */
export interface TokenRecord {
  id: string;
  /** null for an admin token not bound to a tenant. */
  tenant: string | null;
  /** The tenant owner the token acts for: the author of the commits it makes. */
  owner: string;
  permissions: Permission[];
  description?: string;
  created_at: string;
  expires_at: string | null;
  revoked_at?: string;
  created_by: string;
  salt: string;
  hash: string;
}

/** A token's public view (the API never returns salt or hash). */
type TokenInfo = Omit<TokenRecord, 'salt' | 'hash'>;

export interface Principal {
  tokenId: string;
  tenant: string | null;
  owner: string;
  permissions: Permission[];
  expiresAt: string | null;
}

export interface TokenBackend {
  readonly kind: 'file' | 'secret' | 'memory';
  load(): Promise<TokenRecord[]>;
  save(records: TokenRecord[]): Promise<void>;
}

function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update('\0').update(secret).digest('hex');
}

export function isAdmin(p: Pick<Principal, 'permissions'>): boolean {
  return p.permissions.includes('admin:*');
}

export function hasPermission(p: Pick<Principal, 'permissions'>, perm: Permission): boolean {
  return isAdmin(p) || p.permissions.includes(perm);
}

function publicInfo(r: TokenRecord): TokenInfo {
  const { salt: _s, hash: _h, ...info } = r;
  return info;
}

const TOKEN_RE = /^flr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * API tokens: `flr_<id>_<secret>`, 256 random bits of secret. Stored as sha256(salt, secret):
 * a high-entropy secret needs no slow hash, and verification stays well under a millisecond.
 * The bootstrap admin token (from the environment or a file) lives only in memory.
 */
export class TokenStore {
  private records = new Map<string, TokenRecord>();
  private readonly writes = new SerialQueue();
  private bootstrap: { salt: string; hash: string } | undefined;

  constructor(
    private readonly backend: TokenBackend,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get backendKind(): string {
    return this.backend.kind;
  }

  async load(bootstrapToken?: string): Promise<void> {
    for (const r of await this.backend.load()) this.records.set(r.id, r);
    if (bootstrapToken !== undefined) {
      if (bootstrapToken.length < 16) throw new Error('the bootstrap token must be at least 16 characters');
      const salt = randomBytes(16).toString('hex');
      this.bootstrap = { salt, hash: hashSecret(salt, bootstrapToken) };
    }
  }

  /** Checks a bearer token; throws the API error the caller gets. */
  verify(token: string | undefined): Principal {
    if (token === undefined) throw new ApiError('AUTHENTICATION_FAILED', 'missing bearer token', [], undefined, { 'www-authenticate': 'Bearer' });
    if (this.bootstrap && equalHex(hashSecret(this.bootstrap.salt, token), this.bootstrap.hash)) {
      return { tokenId: 'bootstrap', tenant: null, owner: 'flare-admin', permissions: ['admin:*'], expiresAt: null };
    }
    const m = TOKEN_RE.exec(token);
    const rec = m ? this.records.get(m[1]!) : undefined;
    if (!m || !rec || !equalHex(hashSecret(rec.salt, m[2]!), rec.hash)) {
      throw new ApiError('INVALID_TOKEN', 'the token is not valid', [], undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (rec.revoked_at) throw new ApiError('TOKEN_REVOKED', `token ${rec.id} was revoked at ${rec.revoked_at}`);
    if (rec.expires_at && Date.parse(rec.expires_at) <= this.now().getTime()) {
      throw new ApiError('TOKEN_EXPIRED', `token ${rec.id} expired at ${rec.expires_at}`);
    }
    return { tokenId: rec.id, tenant: rec.tenant, owner: rec.owner, permissions: [...rec.permissions], expiresAt: rec.expires_at };
  }

  /** Issues a token; the returned value is the only time the secret exists outside the caller. */
  async create(req: {
    tenant: string | null;
    owner: string;
    permissions: Permission[];
    expiresInDays: number | null;
    description?: string;
    createdBy: string;
  }): Promise<{ token: string; info: TokenInfo }> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('hex');
    const now = this.now();
    const rec: TokenRecord = {
      id,
      tenant: req.tenant,
      owner: req.owner,
      permissions: [...new Set(req.permissions)].sort() as Permission[],
      created_at: now.toISOString(),
      expires_at: req.expiresInDays === null ? null : new Date(now.getTime() + req.expiresInDays * DAY_MS).toISOString(),
      created_by: req.createdBy,
      salt,
      hash: hashSecret(salt, secret),
    };
    if (req.description) rec.description = req.description;
    await this.mutate(() => this.records.set(id, rec));
    return { token: `flr_${id}_${secret}`, info: publicInfo(rec) };
  }

  get(id: string): TokenRecord | undefined {
    return this.records.get(id);
  }

  list(tenant?: string | null): TokenInfo[] {
    return [...this.records.values()]
      .filter((r) => tenant === undefined || r.tenant === tenant)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
      .map(publicInfo);
  }

  async revoke(id: string): Promise<TokenInfo | undefined> {
    const rec = this.records.get(id);
    if (!rec) return undefined;
    if (!rec.revoked_at) {
      const revoked = { ...rec, revoked_at: this.now().toISOString() };
      await this.mutate(() => this.records.set(id, revoked));
      return publicInfo(revoked);
    }
    return publicInfo(rec);
  }

  /** Applies a change and persists; on a failed save the change is undone (memory = storage). */
  private mutate(change: () => void): Promise<void> {
    return this.writes.run(async () => {
      const before = new Map(this.records);
      change();
      try {
        await this.backend.save([...this.records.values()].sort((a, b) => a.id.localeCompare(b.id)));
      } catch (err) {
        this.records = before;
        throw err;
      }
    });
  }
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Tokens in a JSON file readable by its owner only (0600), replaced atomically. */
export function fileTokenBackend(file: string): TokenBackend {
  return {
    kind: 'file',
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const doc = JSON.parse(text) as { tokens?: TokenRecord[] };
      return doc.tokens ?? [];
    },
    async save(records) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify({ tokens: records }, null, 2)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    },
  };
}

/** Tokens in a Kubernetes Secret (key tokens.json), written with server-side apply. */
export function secretTokenBackend(cluster: Cluster, namespace: string, name = 'flare-api-tokens'): TokenBackend {
  return {
    kind: 'secret',
    async load() {
      const s = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
      const data = (s as { data?: Record<string, string> } | undefined)?.data?.['tokens.json'];
      if (!data) return [];
      return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { tokens?: TokenRecord[] }).tokens ?? [];
    },
    async save(records) {
      const body = Buffer.from(JSON.stringify({ tokens: records })).toString('base64');
      await cluster.apply(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'flare', 'app.kubernetes.io/component': 'api-tokens' } },
          type: 'Opaque',
          data: { 'tokens.json': body },
        } as never,
        { fieldManager: 'flare-serve', force: true },
      );
    },
  };
}
