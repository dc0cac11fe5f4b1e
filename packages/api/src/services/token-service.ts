import type {
  ApiTokenDto,
  ApiTokenKind,
  CreatedTokenDto,
  CreateTokenInput,
  Principal,
  SessionUser,
} from "@tlab/core/access";
import { DomainError } from "@tlab/core/errors";
import type { ApiTokenRepository } from "@tlab/db/repositories/api-token-repository";
import type { UserRepository } from "@tlab/db/repositories/user-repository";
import { hashToken, newTokenSecret, secretsEqual } from "../auth/api-token-secret";

/** lastUsedAt is written at most this often per token: workers call several times a second. */
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * API tokens: personal ones act as their user (the CLI's TLAB_TOKEN); worker ones may call the
 * worker procedures only. The secret is returned once at creation and stored only as a hash.
 */
export class TokenService {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly users: UserRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    kind: ApiTokenKind,
    owner: SessionUser,
    input: CreateTokenInput,
  ): Promise<CreatedTokenDto> {
    const { token, tokenHash, prefix } = newTokenSecret(kind);
    const expiresAt = input.expiresInDays
      ? new Date(this.now().getTime() + input.expiresInDays * DAY_MS)
      : null;
    const info = await this.tokens.create({
      kind,
      name: input.name,
      tokenHash,
      prefix,
      userId: owner.id,
      expiresAt,
    });
    return { token, info };
  }

  list(kind: ApiTokenKind, userId?: string): Promise<ApiTokenDto[]> {
    return this.tokens.list({ kind, userId });
  }

  /** Owners revoke their personal tokens; admins revoke worker tokens (and anyone's personal token). */
  async revoke(id: string, by: SessionUser, kind: ApiTokenKind): Promise<ApiTokenDto> {
    const token = await this.tokens.byId(id);
    const allowed =
      token &&
      token.kind === kind &&
      (by.role === "admin" || (kind === "personal" && token.userId === by.id));
    if (!token || !allowed)
      throw new DomainError("NOT_FOUND", `id: no ${kind} token "${id}" that you may revoke`);
    await this.tokens.revoke(id, this.now());
    return (await this.tokens.byId(id))!;
  }

  /**
   * The principal a bearer token stands for. The server's bootstrap worker token (TLAB_WORKER_TOKEN)
   * is compared in constant time; any other token is looked up by its hash.
   */
  async authenticate(token: string, bootstrapWorkerToken: string | null): Promise<Principal> {
    if (bootstrapWorkerToken && secretsEqual(token, bootstrapWorkerToken))
      return { kind: "worker", tokenId: null };
    const stored = await this.tokens.byHash(hashToken(token));
    const now = this.now();
    if (!stored) return { kind: "anonymous", reason: "the API token is not valid" };
    if (stored.revokedAt) return { kind: "anonymous", reason: "the API token has been revoked" };
    if (stored.expiresAt && stored.expiresAt <= now)
      return { kind: "anonymous", reason: "the API token has expired" };
    if (!stored.ownerActive)
      return { kind: "anonymous", reason: "the API token's owner has been deactivated" };
    let principal: Principal;
    if (stored.kind === "worker") principal = { kind: "worker", tokenId: stored.id };
    else {
      const user = await this.users.activeSessionUser(stored.userId);
      if (!user) return { kind: "anonymous", reason: "the API token's owner has been deactivated" };
      principal = { kind: "user", user, via: "personal-token", tokenId: stored.id };
    }
    if (!stored.lastUsedAt || now.getTime() - stored.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS)
      await this.tokens.touch(stored.id, now);
    return principal;
  }
}
