import { z } from "zod";

/**
 * Who may do what. Every tRPC procedure and route handler declares one access level:
 * - `public`: anyone (health, sign-in and first-run set-up only);
 * - `viewer`, `member`, `admin`: a signed-in user (session cookie or personal token) whose role is
 *   at least that one; roles are ordered viewer < member < admin;
 * - `worker`: a worker token (an admin-created one, or the server's bootstrap TLAB_WORKER_TOKEN),
 *   which may call the worker procedures and nothing else.
 */
export const Role = z.enum(["viewer", "member", "admin"], {
  error: 'role must be one of "viewer", "member", "admin"',
});
export type Role = z.infer<typeof Role>;

export const ROLES = Role.options;

export type AccessLevel = "public" | Role | "worker";

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export const ApiTokenKind = z.enum(["personal", "worker"], {
  error: 'kind must be "personal" or "worker"',
});
export type ApiTokenKind = z.infer<typeof ApiTokenKind>;

/** Who is calling, resolved once per request from a session cookie or a bearer token. */
export type Principal =
  | {
      kind: "anonymous" /** Why a credential that was sent did not count (revoked token, ...). */;
      reason?: string;
    }
  | { kind: "user"; user: SessionUser; via: "session" | "personal-token"; tokenId?: string }
  | {
      kind: "worker" /** null for the server's bootstrap token (TLAB_WORKER_TOKEN). */;
      tokenId: string | null;
    };

/**
 * The credential a worker principal acts with, as recorded on each worker it registers: a worker
 * may be driven only by the credential that registered it, and a worker token reads only the
 * files of runs its own workers hold.
 */
export function workerCredential(principal: Extract<Principal, { kind: "worker" }>): string {
  return principal.tokenId ?? "bootstrap";
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export const ANONYMOUS: Principal = { kind: "anonymous" };

export type AccessDecision =
  | { ok: true }
  | { ok: false; status: 401 | 403; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/**
 * The one access rule, shared by the tRPC middleware and the plain route handlers. Anonymous
 * callers get 401 (sign in or send a token); known callers lacking the level get 403.
 */
export function decideAccess(principal: Principal, level: AccessLevel): AccessDecision {
  if (level === "public") return { ok: true };
  if (principal.kind === "anonymous") {
    const hint =
      level === "worker"
        ? "a worker token is required (Authorization: Bearer <worker token>)"
        : "sign in, or send a personal API token (Authorization: Bearer <TLAB_TOKEN>)";
    return {
      ok: false,
      status: 401,
      code: "UNAUTHORIZED",
      message: principal.reason ? `${principal.reason}; ${hint}` : hint,
    };
  }
  if (level === "worker") {
    return principal.kind === "worker"
      ? { ok: true }
      : {
          ok: false,
          status: 403,
          code: "FORBIDDEN",
          message:
            "only trainer workers may call this (a worker token is required, not a user's credentials)",
        };
  }
  if (principal.kind === "worker") {
    return {
      ok: false,
      status: 403,
      code: "FORBIDDEN",
      message: "a worker token may call the worker procedures only",
    };
  }
  if (!roleAtLeast(principal.user.role, level)) {
    return {
      ok: false,
      status: 403,
      code: "FORBIDDEN",
      message: `this needs the ${level} role; ${principal.user.email} is ${article(principal.user.role)} ${principal.user.role}`,
    };
  }
  return { ok: true };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

// ── What the account procedures take and return ──────────────────────────────────────────────

export const MAX_NAME_LENGTH = 100;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

const NewPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `newPassword: at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `newPassword: at most ${MAX_PASSWORD_LENGTH} characters`);

/** The account page's password change; better-auth checks the current password and stores the new hash. */
export const ChangePasswordInput = z
  .object({
    currentPassword: z
      .string()
      .min(1, "currentPassword: enter your current password")
      .max(MAX_PASSWORD_LENGTH, `currentPassword: at most ${MAX_PASSWORD_LENGTH} characters`),
    newPassword: NewPassword,
    confirmPassword: z.string(),
    /** Sign out every other browser of this account (API tokens are separate and stay valid). */
    revokeOtherSessions: z.boolean(),
  })
  .refine((input) => input.newPassword === input.confirmPassword, {
    path: ["confirmPassword"],
    message: "confirmPassword: the two new passwords differ",
  })
  .refine((input) => input.newPassword !== input.currentPassword, {
    path: ["newPassword"],
    message: "newPassword: choose a password different from the current one",
  });
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const UpdateProfileInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "name: enter your name")
    .max(MAX_NAME_LENGTH, `name: at most ${MAX_NAME_LENGTH} characters`),
});
export type UpdateProfileInput = z.infer<typeof UpdateProfileInput>;

export const CreateTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "name: give the token a name")
    .max(MAX_NAME_LENGTH, `name: at most ${MAX_NAME_LENGTH} characters`),
  /** Days until it stops working; none: until revoked. */
  expiresInDays: z
    .number()
    .int()
    .min(1, "expiresInDays: from 1 to 3650")
    .max(3650, "expiresInDays: from 1 to 3650")
    .optional(),
});
export type CreateTokenInput = z.infer<typeof CreateTokenInput>;

export const TokenId = z.object({ id: z.string().min(1).max(64) });

export const CreateInviteInput = z.object({
  email: z
    .email({ error: "email: not an email address" })
    .max(254, "email: at most 254 characters")
    .transform((e) => e.toLowerCase()),
  role: Role,
});
export type CreateInviteInput = z.infer<typeof CreateInviteInput>;

export const InviteToken = z.object({ token: z.string().min(1).max(200) });

export const UserId = z.object({ userId: z.string().min(1).max(64) });
export const SetRoleInput = z.object({ userId: z.string().min(1).max(64), role: Role });
export const SetActiveInput = z.object({ userId: z.string().min(1).max(64), active: z.boolean() });

export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  createdAt: string;
}

export interface ApiTokenDto {
  id: string;
  kind: ApiTokenKind;
  name: string;
  /** The first characters of the token, to tell tokens apart; the token itself is never shown again. */
  prefix: string;
  ownerEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Returned once, at creation: the only time the secret is readable. */
export interface CreatedTokenDto {
  token: string;
  info: ApiTokenDto;
}

export interface InviteDto {
  id: string;
  email: string;
  role: Role;
  invitedByEmail: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}
