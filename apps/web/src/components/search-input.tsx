"use client";

import { type ReactNode, useEffect, useRef, useState } from "react";
import { useHydrated } from "@/lib/use-hydrated";

/**
 * A table's filter bar. Its controls write the URL through React, so they stay disabled until the
 * page is hydrated: a box checked on the server's HTML would show a filter that was never applied.
 */
export function FilterBar({ label, children }: { label: string; children: ReactNode }) {
  const hydrated = useHydrated();
  return (
    <fieldset className="filters" role="search" aria-label={label} disabled={!hydrated}>
      {children}
    </fieldset>
  );
}

/** A search box that reports its text after the typing pauses, so each keystroke is not a request. */
export function SearchInput({
  id,
  label,
  value,
  onChange,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (text: string) => void;
  placeholder?: string;
}) {
  const [text, setText] = useState(value);
  const reported = useRef(value);
  useEffect(() => {
    // Follow the URL when it changes from outside (back button, a link).
    if (value !== reported.current) {
      reported.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text === reported.current) return;
    const timer = setTimeout(() => {
      reported.current = text;
      onChange(text);
    }, 250);
    return () => clearTimeout(timer);
  }, [text, onChange]);
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        autoComplete="off"
        onChange={(e) => setText(e.target.value)}
      />
    </div>
  );
}

export function FilterSelect({
  id,
  label,
  value,
  options,
  onChange,
  anyLabel = "Any",
}: {
  id: string;
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  anyLabel?: string;
}) {
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
