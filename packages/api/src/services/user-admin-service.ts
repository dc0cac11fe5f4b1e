import { randomBytes } from "node:crypto";
import type { CreateInviteInput, InviteDto, Role, SessionUser, UserDto } from "@tlab/core/access";
import { DomainError } from "@tlab/core/errors";
import type { InviteRepository } from "@tlab/db/repositories/invite-repository";
import type { UserRepository } from "@tlab/db/repositories/user-repository";
import { hashToken } from "../auth/api-token-secret";

export const INVITE_TTL_MS = 7 * 86_400_000;

/** Admin work on accounts: invitations, roles, deactivation. At least one active admin always remains. */
export class UserAdminService {
  constructor(
    private readonly users: UserRepository,
    private readonly invites: InviteRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** How many accounts exist (none: the first sign-up becomes the admin). */
  countAccounts(): Promise<number> {
    return this.users.count();
  }

  list(): Promise<UserDto[]> {
    return this.users.list();
  }

  /** The invite and its secret token; the link `/invite/<token>` is shown once to the admin. */
  async invite(
    input: CreateInviteInput,
    by: SessionUser,
  ): Promise<{ invite: InviteDto; token: string; path: string }> {
    if (await this.users.byEmail(input.email))
      throw new DomainError("INVALID_INPUT", `email: ${input.email} already has an account`);
    const token = randomBytes(24).toString("base64url");
    const invite = await this.invites.create({
      email: input.email,
      role: input.role,
      tokenHash: hashToken(token),
      invitedById: by.id,
      expiresAt: new Date(this.now().getTime() + INVITE_TTL_MS),
    });
    return { invite, token, path: `/invite/${token}` };
  }

  listInvites(): Promise<InviteDto[]> {
    return this.invites.list();
  }

  async revokeInvite(id: string): Promise<void> {
    if (!(await this.invites.revoke(id, this.now())))
      throw new DomainError("NOT_FOUND", `id: no open invite "${id}"`);
  }

  /** What an invite link offers, for the sign-up page; nothing for a used, revoked or expired one. */
  async previewInvite(token: string): Promise<{ email: string; role: Role; expiresAt: string }> {
    const invite = await this.invites.usableByHash(hashToken(token), this.now());
    if (!invite)
      throw new DomainError(
        "NOT_FOUND",
        "token: this invitation link is not valid any more (used, revoked or expired); ask an admin for a new one",
      );
    return { email: invite.email, role: invite.role, expiresAt: invite.expiresAt };
  }

  async setRole(userId: string, role: Role, by: SessionUser): Promise<UserDto> {
    const user = await this.existing(userId);
    if (user.role === "admin" && role !== "admin")
      await this.keepAnAdmin(user, by, "change the role of");
    await this.users.setRole(userId, role);
    return (await this.users.byId(userId))!;
  }

  async setActive(userId: string, active: boolean, by: SessionUser): Promise<UserDto> {
    const user = await this.existing(userId);
    if (!active && user.id === by.id)
      throw new DomainError("INVALID_INPUT", "userId: you cannot deactivate your own account");
    if (!active && user.role === "admin" && user.active)
      await this.keepAnAdmin(user, by, "deactivate");
    await this.users.setActive(userId, active, this.now());
    return (await this.users.byId(userId))!;
  }

  private async existing(userId: string): Promise<UserDto> {
    const user = await this.users.byId(userId);
    if (!user) throw new DomainError("NOT_FOUND", `userId: no user "${userId}"`);
    return user;
  }

  private async keepAnAdmin(user: UserDto, _by: SessionUser, what: string): Promise<void> {
    if (user.active && (await this.users.countActiveAdmins()) <= 1) {
      throw new DomainError(
        "INVALID_INPUT",
        `userId: cannot ${what} ${user.email}: they are the only active admin`,
      );
    }
  }
}
