import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { webhookRetryDelayMs } from "@tlab/core/webhook";
import { newWebhookSecret, WebhookSecretBox } from "./webhook-secret-box";
import { signWebhook, verifyWebhookSignature } from "./webhook-signature";

describe("webhook signatures", () => {
  const secret = newWebhookSecret();
  const body = '{"id":"e1","type":"webhook.test","createdAt":"2026-12-06T00:00:00.000Z","data":{}}';

  it("is the HMAC-SHA256 of timestamp.body, as a receiver computes it by hand", () => {
    const expected = createHmac("sha256", secret).update(`1765000000.${body}`).digest("hex");
    expect(signWebhook(secret, 1765000000, body)).toBe(`sha256=${expected}`);
  });

  it("verifies only the same body, timestamp and secret, within the replay window", () => {
    const signature = signWebhook(secret, 1765000000, body);
    const check = (changes: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret,
        rawBody: body,
        signature,
        timestamp: "1765000000",
        nowSeconds: 1765000010,
        ...changes,
      });
    expect(check({})).toBe(true);
    expect(check({ rawBody: body.replace("e1", "e2") })).toBe(false);
    expect(check({ timestamp: "1765000001" })).toBe(false);
    expect(check({ secret: newWebhookSecret() })).toBe(false);
    expect(check({ nowSeconds: 1765000000 + 301 })).toBe(false);
    expect(check({ signature: undefined })).toBe(false);
  });
});

describe("webhook secrets at rest", () => {
  it("seal and open under the same server secret only, with a message that names the cause", () => {
    const box = new WebhookSecretBox("server-secret-0123456789abcdef-0123");
    const sealed = box.seal("whsec_example");
    expect(sealed).not.toContain("whsec_example");
    expect(box.seal("whsec_example")).not.toBe(sealed);
    expect(box.open(sealed)).toBe("whsec_example");
    const other = new WebhookSecretBox("another-server-secret-0123456789abcdef");
    expect(() => other.open(sealed)).toThrow(/TLAB_AUTH_SECRET/);
  });
});

describe("retry schedule", () => {
  it("doubles from the base up to the cap, with at most 20% jitter", () => {
    const exact = [1, 2, 3, 4, 10].map((n) => webhookRetryDelayMs(n, 1000, 5000, () => 0));
    expect(exact).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(webhookRetryDelayMs(2, 1000, 5000, () => 0.999)).toBeLessThanOrEqual(2400);
  });
});
