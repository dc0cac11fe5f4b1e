import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware } from "better-auth/api";
import {
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type Role,
} from "@tlab/core/access";
import type { Db, DbProvider } from "@tlab/db/client";
import { AttemptLogRepository } from "@tlab/db/repositories/attempt-log-repository";
import { InviteRepository } from "@tlab/db/repositories/invite-repository";
import { SettingRepository } from "@tlab/db/repositories/setting-repository";
import { UserRepository } from "@tlab/db/repositories/user-repository";
import { hashToken } from "./api-token-secret";
import { AttemptLimiter } from "./attempt-limiter";
import { CLIENT_ADDRESS_HEADER } from "./client-address";
import { ownOrigins } from "./request-origin";

export const AUTH_BASE_PATH = "/api/auth";
/** Cookie names start with this: `tlab.session_token`. */
export const AUTH_COOKIE_PREFIX = "tlab";

const FIRST_ADMIN_CLAIM = "setup.first-admin";
/** The longest address SMTP allows (RFC 5321), as for invitations. */
const MAX_EMAIL_LENGTH = 254;
/**
 * Per-account sign-in limiting must not let anyone lock an owner out, so it is split by browser
 * (OWASP's "device cookie"): a successful sign-in leaves this signed, httpOnly cookie naming the
 * account and a random device id. Attempts carrying a valid one for the account they try are
 * limited per device; all other attempts at the account share one budget, which an attacker may
 * exhaust without touching the owner's browser. Chosen over a progressive delay: a delay either
 * refuses attempts until it has passed (an attacker retrying the moment it does keeps the owner
 * out all the same) or holds each request (concurrent requests step around it and tie up the
 * server). The cost: during an attack, the owner's first sign-in on a new browser waits.
 */
const TRUSTED_DEVICE = "trusted_device";
const TRUSTED_DEVICE_MAX_AGE_S = 365 * 86_400;

/** The device id of a valid trusted-device cookie for `email`, or null. */
async function trustedDeviceOf(
  ctx: {
    getSignedCookie: (key: string, secret: string) => Promise<string | false | null>;
    context: { secret: string; createAuthCookie: (name: string) => { name: string } };
  },
  email: string,
): Promise<string | null> {
  const value = await ctx.getSignedCookie(
    ctx.context.createAuthCookie(TRUSTED_DEVICE).name,
    ctx.context.secret,
  );
  if (!value) return null;
  const separator = value.indexOf(":");
  if (separator < 0) return null;
  return decodeURIComponent(value.slice(separator + 1)) === email
    ? value.slice(0, separator)
    : null;
}

/** A first-admin claim this old with still no user left behind a failed sign-up: it may be taken again. */
const STALE_CLAIM_MS = 60_000;

export interface AuthOptions {
  db: Db;
  provider: DbProvider;
  /** Signs session cookies; at least 32 random characters (TLAB_AUTH_SECRET or DATA_DIR/auth-secret). */
  secret: string;
  /** The dashboard's public URL, when known (TLAB_PUBLIC_URL); otherwise taken from each request. */
  baseURL?: string;
  /** Sign-in and sign-up attempts allowed per client address per minute, counted in the database. */
  signInAttemptsPerMinute?: number;
  /**
   * Sign-in attempts allowed per 5 minutes at one account from browsers it has not signed in from
   * (whatever address they come from), and per trusted browser; counted in the database.
   */
  signInAttemptsPerAccount?: number;
  /** Our own clock (invitations, first-admin claims, per-account attempts); better-auth's limiter reads the system time. */
  now?: () => Date;
}

/**
 * Accounts through better-auth: email + password (scrypt-hashed by better-auth), sessions in the
 * database, an httpOnly SameSite=Lax session cookie, an Origin check on its state-changing
 * endpoints and a rate limit on sign-in, counted in the database so that it holds across web
 * replicas. Sign-up is closed except for the first account (which becomes admin) and for holders
 * of an admin's invitation, whose role it takes.
 */
export function createAuth(options: AuthOptions) {
  const { db, provider } = options;
  const now = options.now ?? (() => new Date());
  const users = new UserRepository(db);
  const invites = new InviteRepository(db);
  const settings = new SettingRepository(db);
  const attempts = options.signInAttemptsPerMinute ?? 10;
  const attemptLog = new AttemptLogRepository(db);
  const accountLimit = {
    max: options.signInAttemptsPerAccount ?? 10,
    windowMs: 5 * 60_000,
    now: () => now().getTime(),
  };
  /** Attempts at an account from browsers that never signed in to it. */
  const perAccount = new AttemptLimiter(attemptLog, { scope: "sign-in", ...accountLimit });
  /** Attempts from one trusted browser (a stolen device cookie still guesses slowly). */
  const perDevice = new AttemptLimiter(attemptLog, { scope: "sign-in-device", ...accountLimit });

  /**
   * Refuses a sign-up that no invitation allows (except the server's first account), before
   * better-auth looks the address up: otherwise an address with an account would answer 422
   * "already exists" where any other answers 403, telling anyone which addresses have accounts.
   */
  async function refuseUninvitedSignUp(email: string, inviteToken: unknown): Promise<void> {
    if ((await users.count()) === 0) return;
    if (typeof inviteToken !== "string" || inviteToken === "") {
      throw new APIError("FORBIDDEN", {
        message: "Sign-up needs an invitation: ask an admin of this server for an invite link.",
      });
    }
    const invite = await invites.usableByHash(hashToken(inviteToken), now());
    if (!invite)
      throw new APIError("FORBIDDEN", {
        message:
          "This invitation is not valid any more (used, revoked or expired); ask an admin for a new one.",
      });
    if (invite.email !== email.trim().toLowerCase())
      throw new APIError("FORBIDDEN", {
        message: `This invitation is for ${invite.email}; sign up with that address.`,
      });
  }

  /** The role of a new account, or an error saying why it may not be created. */
  async function roleForNewUser(email: string, inviteToken: unknown): Promise<Role> {
    if ((await users.count()) === 0) {
      if (await settings.claim(FIRST_ADMIN_CLAIM, email)) return "admin";
      const claimedAt = (await db.setting.findUnique({ where: { key: FIRST_ADMIN_CLAIM } }))
        ?.updatedAt;
      if (claimedAt && now().getTime() - claimedAt.getTime() > STALE_CLAIM_MS) {
        await settings.delete(FIRST_ADMIN_CLAIM);
        if (await settings.claim(FIRST_ADMIN_CLAIM, email)) return "admin";
      }
      throw new APIError("FORBIDDEN", {
        message:
          "Another sign-up is creating this server's first account right now; reload and sign in.",
      });
    }
    if (typeof inviteToken !== "string" || inviteToken === "") {
      throw new APIError("FORBIDDEN", {
        message: "Sign-up needs an invitation: ask an admin of this server for an invite link.",
      });
    }
    const invite = await invites.usableByHash(hashToken(inviteToken), now());
    if (!invite)
      throw new APIError("FORBIDDEN", {
        message:
          "This invitation is not valid any more (used, revoked or expired); ask an admin for a new one.",
      });
    if (invite.email !== email.toLowerCase())
      throw new APIError("FORBIDDEN", {
        message: `This invitation is for ${invite.email}; sign up with that address.`,
      });
    // Claimed before the account exists, so one link can never make two accounts.
    if (!(await invites.accept(invite.id, now())))
      throw new APIError("FORBIDDEN", { message: "This invitation has just been used." });
    return invite.role;
  }

  return betterAuth({
    appName: "Transfer Lab",
    secret: options.secret,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    basePath: AUTH_BASE_PATH,
    // The Origin check of sign-in, sign-up and sign-out accepts pages of this server only.
    trustedOrigins: (request) =>
      request
        ? ownOrigins(request.headers, options.baseURL)
        : options.baseURL
          ? [new URL(options.baseURL).origin]
          : [],
    database: prismaAdapter(db, { provider }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      autoSignIn: true,
    },
    user: {
      additionalFields: {
        // input: false: no sign-up or profile update can set these; our hooks and admin procedures do.
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
        deactivatedAt: { type: "date", required: false, input: false },
      },
    },
    session: { expiresIn: 7 * 86_400, updateAge: 86_400 },
    rateLimit: {
      enabled: true,
      // The RateLimit table, shared by every replica (the default store is per process).
      storage: "database",
      window: 60,
      max: 600,
      customRules: {
        "/sign-in/email": { window: 60, max: attempts },
        "/sign-up/email": { window: 60, max: attempts },
        "/change-password": { window: 60, max: attempts },
      },
    },
    // Endpoints this server does not offer: no mail is sent, so no e-mail verification or reset.
    disabledPaths: [
      "/request-password-reset",
      "/reset-password",
      "/send-verification-email",
      "/verify-email",
      "/change-email",
      "/delete-user",
    ],
    advanced: {
      cookiePrefix: AUTH_COOKIE_PREFIX,
      // Secure exactly when the dashboard's public URL is HTTPS. better-auth's default (Secure in
      // any production build) leaves a server on plain HTTP under a LAN host name with a cookie
      // the browser drops: signing in fails silently. Behind an HTTPS proxy, TLAB_PUBLIC_URL says so.
      useSecureCookies: options.baseURL?.startsWith("https://") ?? false,
      // Explicit: better-auth turns both checks off by default when it detects a test runner.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      // The per-address limit counts by the address the web server resolved (client-address.ts):
      // never by a client's own X-Forwarded-For, which is anyone's to rotate.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
      database: { generateId: () => crypto.randomUUID() },
    },
    telemetry: { enabled: false },
    // Warnings only for real problems: without TLAB_PUBLIC_URL the origin comes from each request
    // by design, which better-auth would otherwise warn about at every start.
    logger: { level: "error" },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        // better-auth bounds passwords only; names and addresses get the limits of our own forms.
        if (ctx.path === "/sign-up/email" || ctx.path === "/update-user") {
          const { name, email } = (ctx.body ?? {}) as { name?: unknown; email?: unknown };
          if (typeof name === "string" && name.trim().length > MAX_NAME_LENGTH)
            throw new APIError("BAD_REQUEST", {
              message: `name: at most ${MAX_NAME_LENGTH} characters`,
            });
          if (typeof email === "string" && email.trim().length > MAX_EMAIL_LENGTH)
            throw new APIError("BAD_REQUEST", {
              message: `email: at most ${MAX_EMAIL_LENGTH} characters`,
            });
        }
        if (ctx.path === "/sign-up/email") {
          const { email, inviteToken } = (ctx.body ?? {}) as {
            email?: unknown;
            inviteToken?: unknown;
          };
          await refuseUninvitedSignUp(typeof email === "string" ? email : "", inviteToken);
        }
        if (ctx.path !== "/sign-in/email") return;
        const email =
          typeof ctx.body?.email === "string" ? ctx.body.email.trim().toLowerCase() : "";
        if (!email) return;
        // Guessing from anywhere exhausts the account's budget for unknown browsers only: the
        // owner's browser, which signed in before, has a budget of its own (see TRUSTED_DEVICE).
        const device = await trustedDeviceOf(ctx, email);
        if (device ? !(await perDevice.take(device)) : !(await perAccount.take(email))) {
          throw new APIError("TOO_MANY_REQUESTS", {
            message: device
              ? "Too many sign-in attempts from this browser; wait a few minutes and try again."
              : "Too many sign-in attempts for this account from browsers it has not signed in from; wait a few minutes, or sign in from a browser you signed in from before.",
          });
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        const session = ctx.context.newSession;
        if (ctx.path !== "/sign-in/email" || !session) return;
        const cookie = ctx.context.createAuthCookie(TRUSTED_DEVICE, {
          maxAge: TRUSTED_DEVICE_MAX_AGE_S,
        });
        const value = `${crypto.randomUUID()}:${encodeURIComponent(session.user.email.toLowerCase())}`;
        await ctx.setSignedCookie(cookie.name, value, ctx.context.secret, cookie.attributes);
      }),
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user, context) => {
            const body = (context?.body ?? {}) as { inviteToken?: unknown };
            return {
              data: {
                ...user,
                role: await roleForNewUser(user.email, body.inviteToken),
                deactivatedAt: null,
              },
            };
          },
        },
      },
      session: {
        create: {
          // Runs after the password was checked, so it tells nothing to someone guessing.
          before: async (session) => {
            const user = await users.byId(session.userId);
            if (!user?.active)
              throw new APIError("FORBIDDEN", {
                message: "This account has been deactivated; ask an admin of this server.",
              });
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
