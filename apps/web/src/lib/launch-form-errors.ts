import { CreateExperimentInput, type CreateExperimentFormValues } from "@tlab/core/experiment";

export type LaunchField = keyof CreateExperimentFormValues;

const FIELDS = new Set<string>(Object.keys(CreateExperimentInput.shape));

function isLaunchField(name: string): name is LaunchField {
  return FIELDS.has(name);
}

/** The parts of a tRPC client error the form uses (kept structural so it is testable without HTTP). */
export interface ServerErrorLike {
  message: string;
  data?: {
    code?: string;
    zodError?: {
      formErrors?: string[];
      fieldErrors?: Record<string, string[] | undefined>;
      issues?: { path: string; message: string }[];
    } | null;
  } | null;
}

export interface LaunchErrors {
  fields: Partial<Record<LaunchField, string>>;
  /** Shown above the submit button when the problem belongs to no single field. */
  form: string | null;
}

/**
 * Places a failed launch's errors next to the fields they are about: zod field errors from the
 * API's input validation, and service errors whose message starts with "<field>: " (e.g.
 * "baseModel: no base model named …" or "strategies.partial.cut: …").
 */
export function launchErrorsFromServer(error: ServerErrorLike): LaunchErrors {
  const fields: LaunchErrors["fields"] = {};
  let form: string | null = null;
  const zod = error.data?.zodError;
  if (zod?.issues) {
    // A nested issue keeps the rest of its path, so "strategies.1.learningRate" reads
    // "strategy 2, learningRate: …" under the strategies.
    for (const { path, message } of zod.issues) {
      const [name, ...rest] = path.split(".");
      if (!name) form ??= message;
      else if (isLaunchField(name))
        fields[name] ??= rest.length === 0 ? message : `${describeRest(name, rest)}: ${message}`;
    }
  } else if (zod) {
    for (const [name, messages] of Object.entries(zod.fieldErrors ?? {})) {
      const first = messages?.[0];
      if (first && isLaunchField(name)) fields[name] = first;
    }
    form = zod.formErrors?.[0] ?? null;
  } else if (error.data?.code === "BAD_REQUEST") {
    const match = /^([A-Za-z]+)[\w.[\]]*: ([\s\S]+)$/.exec(error.message);
    if (match && isLaunchField(match[1]!)) fields[match[1]] = match[2]!;
  }
  if (Object.keys(fields).length === 0 && !form) form = error.message;
  return { fields, form };
}

function describeRest(field: LaunchField, rest: string[]): string {
  const [first = "", ...more] = rest;
  if (field !== "strategies" || !/^\d+$/.test(first)) return rest.join(".");
  const strategy = `strategy ${Number(first) + 1}`;
  return more.length > 0 ? `${strategy}, ${more.join(".")}` : strategy;
}
