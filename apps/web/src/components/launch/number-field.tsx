"use client";

import { useEffect, useState } from "react";
import { FormField } from "./form-field";

interface Props {
  id: string;
  label: string;
  /** Prefixed to the label for assistive technology only, when the visible label repeats (per strategy). */
  context?: string;
  value: number | undefined;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number;
  hint?: string;
  error?: string;
}

/**
 * A controlled number input that keeps what is typed ("0.", "1e-") until it parses, and reports
 * NaN for text that is not a number so the schema names the problem next to the field.
 */
export function NumberField({
  id,
  label,
  context,
  value,
  onChange,
  min,
  max,
  step,
  hint,
  error,
}: Props) {
  const [text, setText] = useState(value === undefined || Number.isNaN(value) ? "" : String(value));
  // biome-ignore lint/correctness/useExhaustiveDependencies: only an outside change of value resyncs the text; typing must not.
  useEffect(() => {
    // A preset or a clone changed the value from outside: show it.
    if (value !== undefined && !Number.isNaN(value) && Number(text) !== value)
      setText(String(value));
  }, [value]);
  const describedBy =
    [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") ||
    undefined;
  const labelWithContext = (
    <>
      {context ? <span className="visually-hidden">{context} </span> : null}
      {label}
    </>
  );
  return (
    <FormField id={id} label={labelWithContext} hint={hint} error={error}>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.trim() === "" ? Number.NaN : Number(e.target.value));
        }}
      />
    </FormField>
  );
}
