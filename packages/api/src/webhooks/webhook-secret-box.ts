import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

/**
 * Webhook signing secrets at rest. The server must read a secret back to sign with it, so it
 * cannot keep only a hash (as it does for API tokens); instead each secret is sealed with
 * AES-256-GCM under a key derived (HKDF-SHA256) from the server's TLAB_AUTH_SECRET. A copy of
 * the database alone does not reveal them. Changing TLAB_AUTH_SECRET makes them unreadable:
 * deliveries then fail saying so, and the webhooks must be registered again.
 */
export class WebhookSecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    if (serverSecret.length < 32)
      throw new Error("the webhook secret key needs a server secret of at least 32 characters");
    this.key = Buffer.from(
      hkdfSync("sha256", serverSecret, "tlab-webhook-secrets", "webhook signing secret v1", 32),
    );
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
  }

  open(sealed: string): string {
    const [version, data] = sealed.split(":");
    if (version !== VERSION || !data) throw new Error("unknown webhook secret format");
    const bytes = Buffer.from(data, "base64url");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new Error(
        "the webhook's secret cannot be read with this server's TLAB_AUTH_SECRET (was it changed?); register the webhook again",
      );
    }
  }
}

/** A new secret: 32 random bytes, recognisable by its prefix. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}
