import type { ReactNode } from "react";
import type { FieldError } from "react-hook-form";

interface Props {
  id: string;
  label: ReactNode;
  error?: string;
  hint?: string;
  children: ReactNode;
}

/** A labelled control with its hint and its error beneath it; the control itself is `children`. */
export function FormField({ id, label, error, hint, children }: Props) {
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** aria-invalid and aria-describedby for a control rendered inside FormField. */
export function fieldA11y(id: string, error: FieldError | undefined, hasHint = false) {
  const describedBy = [hasHint ? `${id}-hint` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return { "aria-invalid": error ? true : undefined, "aria-describedby": describedBy || undefined };
}
