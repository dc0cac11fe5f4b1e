import { z } from "zod";

/**
 * Schemas for form and CLI fields whose every error says what the field allows, derived from the
 * limits themselves so a message can never disagree with its check. The messages leave out the
 * field's name: the web form shows them under the labelled field and the CLI prints
 * `path: message`.
 */

export interface NumberLimits {
  min: number;
  max: number;
  /** Whole numbers only. */
  int?: boolean;
  /** `min` itself is not allowed (e.g. a learning rate must be greater than 0). */
  exclusiveMin?: boolean;
}

/** The message of a boundedNumber: "must be a whole number from 1 to 100", "must be a number greater than 0 and at most 1". */
export function numberLimitsMessage({
  min,
  max,
  int = false,
  exclusiveMin = false,
}: NumberLimits): string {
  const kind = int ? "a whole number" : "a number";
  return exclusiveMin
    ? `must be ${kind} greater than ${min} and at most ${max}`
    : `must be ${kind} from ${min} to ${max}`;
}

/** A finite number within [min, max] (or (min, max]); one message for a wrong type, a fraction or a value out of range. */
export function boundedNumber(limits: NumberLimits): z.ZodNumber {
  const message = numberLimitsMessage(limits);
  let schema = z.number({ error: message });
  if (limits.int) schema = schema.int(message);
  schema = limits.exclusiveMin ? schema.gt(limits.min, message) : schema.min(limits.min, message);
  return schema.max(limits.max, message);
}

/** One of a fixed list of strings: "must be one of softmax, svm". */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

export function flag(): z.ZodBoolean {
  return z.boolean({ error: "must be true or false" });
}

/**
 * The error option of a discriminated union: names the allowed discriminator values when none
 * matches, and leaves every other issue (e.g. not an object) to zod's own message.
 */
export function discriminatorError(values: readonly string[]) {
  const message = `must be one of ${values.join(", ")}`;
  return (issue: { code?: string }) => (issue.code === "invalid_union" ? message : undefined);
}
