import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "@tlab/api/webhooks/webhook-signature";
import {
  browserSkipReason,
  launchBrowser,
  signIn,
  startWebServer,
  type Browser,
  type WebServer,
} from "./web-server";

// Settings → Webhooks in a real browser: an admin adds a receiver on this machine, copies the
// secret shown once, sends a test event that arrives signed with it, sees the delivery listed as
// delivered, disables and deletes the webhook; a bad URL is refused naming the field.

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] skipping the webhooks page test: ${skipReason}`);

describe.skipIf(skipReason !== null)("Settings → Webhooks", () => {
  let server: WebServer;
  let browser: Browser;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.end("received");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tlab`;
    server = await startWebServer();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it("adds a webhook, shows its secret once, delivers a signed test event, disables and deletes it", async () => {
    const { page } = browser;
    page.on("dialog", (dialog) => void dialog.accept());
    await signIn(page, server.url);
    await page.goto(`${server.url}/settings/webhooks`);
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 }).count()).resolves.toBe(
      1,
    );
    const form = page.getByRole("form", { name: "Add a webhook" });

    await form.getByLabel("Payload URL").fill("ftp://files.example.com/drop");
    await form.getByRole("button", { name: "Add webhook" }).click();
    await page.getByText("url: must be an http:// or https:// URL").waitFor();

    await form.getByLabel("Payload URL").fill(receiverUrl);
    await form.getByLabel("Description").fill("local receiver");
    await form.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await page.getByTestId("new-webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByTestId("new-webhook-secret").count()).toBe(0);
    // The secret is not on the page any more, nor in what the list sends.
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: `Send a test event to ${receiverUrl}` }).click();
    const deadline = Date.now() + 30_000;
    while (received.length === 0 && Date.now() < deadline) await page.waitForTimeout(200);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(JSON.parse(request!.body).type).toBe("webhook.test");
    expect(
      verifyWebhookSignature({
        secret,
        rawBody: request!.body,
        signature: request!.headers["x-tlab-signature"] as string,
        timestamp: request!.headers["x-tlab-timestamp"] as string,
      }),
    ).toBe(true);

    const deliveries = page.getByRole("table", { name: "Deliveries" });
    await deliveries
      .locator('tr[data-delivery-status="delivered"]')
      .first()
      .waitFor({ timeout: 15_000 });
    const row = deliveries.locator('tr[data-delivery-status="delivered"]').first();
    expect(await row.textContent()).toContain("webhook.test");
    expect(await row.textContent()).toContain("HTTP 200");
    await page
      .getByRole("table", { name: "Webhooks" })
      .getByText("1 delivered, 0 pending, 0 failed")
      .waitFor({ timeout: 15_000 });
    await browser.shot("settings-webhooks");

    await page.getByRole("button", { name: `Disable ${receiverUrl}` }).click();
    await page.getByRole("button", { name: `Enable ${receiverUrl}` }).waitFor();
    expect(
      await page.getByRole("button", { name: `Send a test event to ${receiverUrl}` }).isDisabled(),
    ).toBe(true);

    await page.getByRole("button", { name: `Delete ${receiverUrl}` }).click();
    await page.getByText("No webhooks yet.").waitFor();
    expect(browser.pageErrors).toEqual([]);
  });
});
