import { Role, type InviteDto } from "@tlab/core/access";
import type { Db } from "../client";

const INVITE_SELECT = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  expiresAt: true,
  acceptedAt: true,
  revokedAt: true,
  invitedBy: { select: { email: true } },
} as const;

export interface NewInvite {
  email: string;
  role: Role;
  tokenHash: string;
  invitedById: string;
  expiresAt: Date;
}

export class InviteRepository {
  constructor(private readonly db: Db) {}

  async create(invite: NewInvite): Promise<InviteDto> {
    return toInviteDto(await this.db.invite.create({ data: invite, select: INVITE_SELECT }));
  }

  /** An invite that can still be accepted: not accepted, not revoked, not expired. */
  async usableByHash(tokenHash: string, now: Date): Promise<InviteDto | null> {
    const row = await this.db.invite.findFirst({
      where: { tokenHash, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      select: INVITE_SELECT,
    });
    return row ? toInviteDto(row) : null;
  }

  /** Marks it used; false if someone else used it first, so one link makes one account. */
  async accept(id: string, now: Date): Promise<boolean> {
    return (
      (
        await this.db.invite.updateMany({
          where: { id, acceptedAt: null, revokedAt: null },
          data: { acceptedAt: now },
        })
      ).count === 1
    );
  }

  async list(): Promise<InviteDto[]> {
    const rows = await this.db.invite.findMany({
      select: INVITE_SELECT,
      orderBy: { createdAt: "desc" },
      take: 500,
    });
    return rows.map(toInviteDto);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    return (
      (
        await this.db.invite.updateMany({
          where: { id, acceptedAt: null, revokedAt: null },
          data: { revokedAt: now },
        })
      ).count === 1
    );
  }
}

function toInviteDto(row: {
  id: string;
  email: string;
  role: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  invitedBy: { email: string };
}): InviteDto {
  return {
    id: row.id,
    email: row.email,
    role: Role.parse(row.role),
    invitedByEmail: row.invitedBy.email,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
