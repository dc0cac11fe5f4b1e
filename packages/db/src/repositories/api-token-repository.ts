import { ApiTokenKind, type ApiTokenDto } from "@tlab/core/access";
import type { Db } from "../client";

const TOKEN_SELECT = {
  id: true,
  kind: true,
  name: true,
  prefix: true,
  userId: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  user: { select: { email: true } },
} as const;

export interface NewApiToken {
  kind: ApiTokenKind;
  name: string;
  tokenHash: string;
  prefix: string;
  userId: string;
  expiresAt: Date | null;
}

/** A token found by its hash, with what is needed to decide whether it still counts. */
export interface StoredToken {
  id: string;
  kind: ApiTokenKind;
  userId: string;
  ownerActive: boolean;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** API tokens, stored as sha256 hashes only. */
export class ApiTokenRepository {
  constructor(private readonly db: Db) {}

  async create(token: NewApiToken): Promise<ApiTokenDto> {
    const row = await this.db.apiToken.create({ data: token, select: TOKEN_SELECT });
    return toTokenDto(row);
  }

  async byHash(tokenHash: string): Promise<StoredToken | null> {
    const row = await this.db.apiToken.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        kind: true,
        userId: true,
        lastUsedAt: true,
        expiresAt: true,
        revokedAt: true,
        user: { select: { deactivatedAt: true } },
      },
    });
    if (!row) return null;
    return {
      id: row.id,
      kind: ApiTokenKind.parse(row.kind),
      userId: row.userId,
      ownerActive: row.user.deactivatedAt === null,
      lastUsedAt: row.lastUsedAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
    };
  }

  async byId(id: string): Promise<(ApiTokenDto & { userId: string }) | null> {
    const row = await this.db.apiToken.findUnique({ where: { id }, select: TOKEN_SELECT });
    return row ? { ...toTokenDto(row), userId: row.userId } : null;
  }

  /** Newest first; revoked tokens stay listed (greyed out) so their history remains visible. */
  async list(filter: { kind: ApiTokenKind; userId?: string }): Promise<ApiTokenDto[]> {
    const rows = await this.db.apiToken.findMany({
      where: { kind: filter.kind, ...(filter.userId ? { userId: filter.userId } : {}) },
      select: TOKEN_SELECT,
      orderBy: { createdAt: "desc" },
      take: 500,
    });
    return rows.map(toTokenDto);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    return (
      (
        await this.db.apiToken.updateMany({
          where: { id, revokedAt: null },
          data: { revokedAt: now },
        })
      ).count === 1
    );
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: now } });
  }
}

function toTokenDto(row: {
  id: string;
  kind: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  user: { email: string };
}): ApiTokenDto {
  return {
    id: row.id,
    kind: ApiTokenKind.parse(row.kind),
    name: row.name,
    prefix: row.prefix,
    ownerEmail: row.user.email,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
