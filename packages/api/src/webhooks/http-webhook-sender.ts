import http from "node:http";
import https from "node:https";

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** At most this many leading bytes of the response body are read and returned. */
  excerptBytes: number;
}

/** What the receiver answered; a transport failure (refused, timeout, TLS) throws instead. */
export interface WebhookResponse {
  statusCode: number;
  excerpt: string;
  location: string | null;
}

/** The port the delivery loop sends through; tests may substitute it. */
export type WebhookSender = (request: WebhookRequest) => Promise<WebhookResponse>;

/**
 * POSTs with node:http(s), which never follows redirects: a 3xx is the receiver's answer, and the
 * delivery loop records it as a failure. The whole exchange, connection to end of the excerpt,
 * is bounded by `timeoutMs`; the rest of a longer response body is never read.
 */
export const httpWebhookSender: WebhookSender = (request) =>
  new Promise<WebhookResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const client = url.protocol === "https:" ? https : http;
    const body = Buffer.from(request.body, "utf8");
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req = client.request(
      url,
      {
        method: "POST",
        headers: {
          ...request.headers,
          "content-type": "application/json",
          "content-length": String(body.length),
          "user-agent": "TransferLab-Webhooks/1",
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, request.excerptBytes).toString("utf8");
          finish(() =>
            resolve({
              statusCode: res.statusCode ?? 0,
              excerpt,
              location: typeof res.headers.location === "string" ? res.headers.location : null,
            }),
          );
          res.destroy();
        };
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= request.excerptBytes) done();
        });
        res.on("end", done);
        res.on("error", (error) => finish(() => reject(error)));
      },
    );
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`no answer within ${request.timeoutMs} ms`)));
      req.destroy();
    }, request.timeoutMs);
    req.on("error", (error) => finish(() => reject(error)));
    req.end(body);
  });
