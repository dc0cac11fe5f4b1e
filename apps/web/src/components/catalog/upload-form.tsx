"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { catalogNameProblem } from "@tlab/core/catalog-input";
import { useCan } from "@/components/auth/current-user";
import styles from "./catalog.module.css";

export interface UploadResult {
  created: boolean;
  notes?: string[];
}

/**
 * A name, a zip file and optional extra fields, sent as the body of PUT `endpoint(name)`: the
 * same route handlers the CLI uses, so the dashboard's import validates exactly like `tlab`'s.
 * Viewers, whom those handlers refuse, get a line saying who may upload instead of the form.
 */
export function UploadForm({
  label,
  endpoint,
  hint,
  extraFields,
  onUploaded,
}: {
  label: string;
  endpoint: (name: string, form: FormData) => string;
  hint: ReactNode;
  extraFields?: ReactNode;
  onUploaded: (name: string, result: UploadResult) => void;
}) {
  const canUpload = useCan("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const file = form.get("file");
    setError(null);
    setMessage(null);
    // The server's rule, checked here first so the message says what a name may hold.
    const nameProblem = name ? catalogNameProblem(name) : "name: required";
    if (nameProblem) return setError(nameProblem);
    if (!(file instanceof File) || file.size === 0) return setError("File: choose a .zip file");
    setBusy(true);
    try {
      const response = await fetch(endpoint(name, form), {
        method: "PUT",
        headers: { "content-type": "application/zip" },
        body: file,
      });
      const body = (await response.json().catch(() => ({}))) as UploadResult & { error?: string };
      if (!response.ok) {
        setError(body.error ?? `Upload failed (HTTP ${response.status})`);
        return;
      }
      setMessage(
        `${body.created ? "Added" : "Already present, unchanged:"} ${name}${body.notes?.length ? `. ${body.notes.join(". ")}` : ""}`,
      );
      onUploaded(name, body);
      (event.target as HTMLFormElement).reset();
    } catch (cause) {
      setError(`Upload failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    } finally {
      setBusy(false);
    }
  }

  if (!canUpload)
    return (
      <p className="muted">
        Members and admins add to this catalog; ask an admin for the member role to upload.
      </p>
    );
  return (
    <form className={styles.uploadForm} onSubmit={submit} aria-label={label} noValidate>
      <div className="field">
        <label htmlFor="upload-name">Name</label>
        <input
          id="upload-name"
          name="name"
          type="text"
          required
          maxLength={100}
          placeholder="e.g. flowers-v1"
        />
      </div>
      <div className="field">
        <label htmlFor="upload-file">Zip file</label>
        <input id="upload-file" name="file" type="file" accept=".zip,application/zip" required />
      </div>
      {extraFields}
      <div className="field">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Uploading…" : label}
        </button>
      </div>
      <p className={`hint ${styles.result}`}>{hint}</p>
      {error ? (
        <p role="alert" className={`form-error ${styles.result}`}>
          {error}
        </p>
      ) : null}
      {message ? (
        <p role="status" className={`notice ${styles.result}`}>
          {message}
        </p>
      ) : null}
    </form>
  );
}
