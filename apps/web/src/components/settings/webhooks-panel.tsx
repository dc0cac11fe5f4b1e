"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import {
  MAX_WEBHOOK_DESCRIPTION_LENGTH,
  MAX_WEBHOOK_SECRET_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
  WEBHOOK_EVENT_TYPES,
  type CreatedWebhookDto,
  type WebhookDeliveryDto,
  type WebhookDto,
  type WebhookEventType,
} from "@tlab/core/webhook";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { FormError } from "@/components/form-messages";

interface Props {
  initialWebhooks: WebhookDto[];
  initialDeliveries: WebhookDeliveryDto[];
}

const EVENT_HELP: Record<WebhookEventType, string> = {
  "experiment.finished": "every run of an experiment has ended (succeeded, failed or canceled)",
  "decision.recorded": "someone recorded a decision on an experiment",
};

/** Registered webhooks (secret shown once), their recent deliveries with status, test and remove. */
export function WebhooksPanel({ initialWebhooks, initialDeliveries }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Deliveries change on their own (the background loop sends them): keep both lists current.
  const webhooks = useQuery({
    ...trpc.webhook.list.queryOptions(),
    initialData: initialWebhooks,
    refetchInterval: 3000,
  });
  const deliveries = useQuery({
    ...trpc.webhook.deliveries.queryOptions({ limit: 50 }),
    initialData: initialDeliveries,
    refetchInterval: 3000,
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.webhook.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.webhook.deliveries.queryKey() }),
    ]);
  const [created, setCreated] = useState<CreatedWebhookDto | null>(null);
  const create = useMutation(
    trpc.webhook.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        return refresh();
      },
    }),
  );
  const setEnabled = useMutation(trpc.webhook.setEnabled.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(trpc.webhook.remove.mutationOptions({ onSettled: refresh }));
  const sendTest = useMutation(trpc.webhook.sendTest.mutationOptions({ onSettled: refresh }));

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const secret = String(form.get("secret") ?? "");
    create.mutate(
      {
        url: String(form.get("url") ?? ""),
        description: String(form.get("description") ?? ""),
        events: form.getAll("events").map(String) as WebhookEventType[],
        ...(secret ? { secret } : {}),
      },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }

  const actionError = setEnabled.error ?? remove.error ?? sendTest.error;
  return (
    <>
      <section className="form-section" aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Receivers</h2>
        <p className="muted">
          Transfer Lab POSTs a signed JSON event to each URL: the <code>X-Tlab-Signature</code>{" "}
          header is <code>sha256=</code> and the hex HMAC-SHA256 of{" "}
          <code>&lt;X-Tlab-Timestamp&gt;.&lt;raw body&gt;</code> with the webhook&apos;s secret.
          Failed deliveries are retried with growing waits. Redirects are not followed; addresses on
          this machine or your network are allowed.
        </p>
        <form className="webhook-form" onSubmit={onCreate} aria-label="Add a webhook">
          <div className="field">
            <label htmlFor="webhook-url">Payload URL</label>
            <input
              id="webhook-url"
              name="url"
              type="url"
              required
              maxLength={MAX_WEBHOOK_URL_LENGTH}
              placeholder="https://ci.example.com/hooks/tlab"
            />
          </div>
          <div className="field">
            <label htmlFor="webhook-description">Description</label>
            <input
              id="webhook-description"
              name="description"
              maxLength={MAX_WEBHOOK_DESCRIPTION_LENGTH}
              placeholder="chat bot"
            />
          </div>
          <fieldset className="field">
            <legend>Events</legend>
            {WEBHOOK_EVENT_TYPES.map((type) => (
              <label key={type} className="webhook-event">
                <input type="checkbox" name="events" value={type} defaultChecked />{" "}
                <code>{type}</code>: <span className="muted small">{EVENT_HELP[type]}</span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="webhook-secret">Secret (leave empty to generate one)</label>
            <input
              id="webhook-secret"
              name="secret"
              type="password"
              autoComplete="off"
              maxLength={MAX_WEBHOOK_SECRET_LENGTH}
            />
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={create.isPending}>
              {create.isPending ? "Adding…" : "Add webhook"}
            </button>
          </div>
          <FormError message={create.error?.message} />
        </form>
        {created ? (
          <div className="token-once" role="status" aria-label="New webhook secret">
            <p>
              <strong>{created.webhook.url}</strong>: copy its signing secret now, it will not be
              shown again.
            </p>
            <code className="token-secret" data-testid="new-webhook-secret">
              {created.secret}
            </code>
            <button type="button" className="button button-small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        ) : null}
        <table className="data-table" aria-label="Webhooks">
          <thead>
            <tr>
              <th>URL</th>
              <th>Events</th>
              <th>Deliveries</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {webhooks.data.length === 0 ? (
              <tr>
                <td colSpan={5} className="table-empty">
                  No webhooks yet.
                </td>
              </tr>
            ) : (
              webhooks.data.map((webhook) => (
                <tr key={webhook.id}>
                  <td>
                    <code>{webhook.url}</code>
                    {webhook.description ? (
                      <div className="muted small">{webhook.description}</div>
                    ) : null}
                  </td>
                  <td>{webhook.events.join(", ")}</td>
                  <td className="nowrap">
                    {webhook.counts.delivered} delivered, {webhook.counts.pending} pending,{" "}
                    {webhook.counts.failed} failed
                  </td>
                  <td>{webhook.enabled ? "enabled" : "disabled"}</td>
                  <td className="nowrap">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Send a test event to ${webhook.url}`}
                      disabled={!webhook.enabled || sendTest.isPending}
                      onClick={() => sendTest.mutate({ id: webhook.id })}
                    >
                      Send test event
                    </button>{" "}
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`${webhook.enabled ? "Disable" : "Enable"} ${webhook.url}`}
                      disabled={setEnabled.isPending}
                      onClick={() =>
                        setEnabled.mutate({ id: webhook.id, enabled: !webhook.enabled })
                      }
                    >
                      {webhook.enabled ? "Disable" : "Enable"}
                    </button>{" "}
                    <button
                      type="button"
                      className="button button-small button-danger"
                      aria-label={`Delete ${webhook.url}`}
                      disabled={remove.isPending}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Delete the webhook for ${webhook.url}? Its pending deliveries are dropped.`,
                          )
                        )
                          remove.mutate({ id: webhook.id });
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        <FormError message={actionError?.message} />
      </section>
      <section className="form-section" aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Recent deliveries</h2>
        <table className="data-table" aria-label="Deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>URL</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Next attempt</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.length === 0 ? (
              <tr>
                <td colSpan={7} className="table-empty">
                  No deliveries yet.
                </td>
              </tr>
            ) : (
              deliveries.data.map((delivery) => (
                <tr key={delivery.id} data-delivery-status={delivery.status}>
                  <td>
                    <code>{delivery.eventType}</code>
                  </td>
                  <td>
                    <code>{delivery.webhookUrl}</code>
                  </td>
                  <td>{delivery.status}</td>
                  <td>{delivery.attempts}</td>
                  <td>
                    {delivery.lastStatusCode !== null ? `HTTP ${delivery.lastStatusCode}` : null}
                    {delivery.lastError ? (
                      <div className="muted small">{delivery.lastError}</div>
                    ) : null}
                    {delivery.responseExcerpt ? (
                      <div className="muted small">
                        <code>{delivery.responseExcerpt.slice(0, 120)}</code>
                      </div>
                    ) : null}
                  </td>
                  <td className="nowrap">
                    {delivery.nextAttemptAt ? formatDateTime(delivery.nextAttemptAt) : "—"}
                  </td>
                  <td className="nowrap">{formatDateTime(delivery.createdAt)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </section>
    </>
  );
}
