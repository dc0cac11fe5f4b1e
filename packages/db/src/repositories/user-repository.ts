import { Role, type SessionUser, type UserDto } from "@tlab/core/access";
import type { Db } from "../client";

const USER_SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  deactivatedAt: true,
  createdAt: true,
} as const;

/** Accounts as the access rules see them. better-auth writes these rows; we read roles and status. */
export class UserRepository {
  constructor(private readonly db: Db) {}

  count(): Promise<number> {
    return this.db.user.count();
  }

  async list(): Promise<UserDto[]> {
    const rows = await this.db.user.findMany({
      select: USER_SELECT,
      orderBy: { createdAt: "asc" },
      take: 1000,
    });
    return rows.map(toUserDto);
  }

  async byId(id: string): Promise<UserDto | null> {
    const row = await this.db.user.findUnique({ where: { id }, select: USER_SELECT });
    return row ? toUserDto(row) : null;
  }

  async byEmail(email: string): Promise<UserDto | null> {
    const row = await this.db.user.findUnique({
      where: { email: email.toLowerCase() },
      select: USER_SELECT,
    });
    return row ? toUserDto(row) : null;
  }

  /** The user a credential stands for, or null when the account is gone or deactivated. */
  async activeSessionUser(id: string): Promise<SessionUser | null> {
    const row = await this.db.user.findUnique({ where: { id }, select: USER_SELECT });
    if (!row || row.deactivatedAt) return null;
    return { id: row.id, email: row.email, name: row.name, role: Role.parse(row.role) };
  }

  async setRole(id: string, role: Role): Promise<boolean> {
    return (await this.db.user.updateMany({ where: { id }, data: { role } })).count === 1;
  }

  /** Deactivating also ends every session; tokens stop working because their owner is inactive. */
  async setActive(id: string, active: boolean, now: Date): Promise<boolean> {
    const updated = await this.db.user.updateMany({
      where: { id },
      data: { deactivatedAt: active ? null : now },
    });
    if (!active) await this.db.session.deleteMany({ where: { userId: id } });
    return updated.count === 1;
  }

  countActiveAdmins(): Promise<number> {
    return this.db.user.count({ where: { role: "admin", deactivatedAt: null } });
  }
}

function toUserDto(row: {
  id: string;
  email: string;
  name: string;
  role: string;
  deactivatedAt: Date | null;
  createdAt: Date;
}): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: Role.parse(row.role),
    active: row.deactivatedAt === null,
    createdAt: row.createdAt.toISOString(),
  };
}
