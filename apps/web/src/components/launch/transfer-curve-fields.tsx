"use client";

import { useState } from "react";
import type { LayerInfo } from "@tlab/core/layer-plan";
import { type CutSweep, sweepCutLayers, SweepPlanError } from "@tlab/core/transfer-sweep";
import { FormField } from "./form-field";

interface Props {
  layers: readonly LayerInfo[];
  partialChosen: boolean;
  ladder: readonly number[] | undefined;
  cutSweep: CutSweep | undefined;
  onLadderChange: (ladder: number[] | undefined) => void;
  onCutSweepChange: (sweep: CutSweep | undefined) => void;
  ladderError?: string;
  cutSweepError?: string;
}

/** The layers a sweep may cut at: every cut point of `all`, so a chosen list can only name valid ones. */
export function sweepCandidates(layers: readonly LayerInfo[]): string[] {
  try {
    return sweepCutLayers(layers, "all");
  } catch (error) {
    if (error instanceof SweepPlanError) return [];
    throw error;
  }
}

/**
 * Transfer curves from one launch: a label-budget ladder (typed as "10, 30, 100"; empty keeps the
 * single budget above) and a cut sweep (off, every cut point, or chosen layers). The values go
 * into the same launch schema as every other field, which judges them.
 */
export function TransferCurveFields({
  layers,
  partialChosen,
  ladder,
  cutSweep,
  onLadderChange,
  onCutSweepChange,
  ladderError,
  cutSweepError,
}: Props) {
  const [ladderText, setLadderText] = useState(ladder?.join(", ") ?? "");
  const candidates = sweepCandidates(layers);
  const mode = cutSweep === undefined ? "off" : cutSweep === "all" ? "all" : "chosen";
  const chosen = new Set(Array.isArray(cutSweep) ? cutSweep : []);
  const toggleLayer = (name: string, on: boolean) => {
    const next = candidates.filter((c) => (c === name ? on : chosen.has(c)));
    onCutSweepChange(next.length > 0 ? next : []);
  };
  return (
    <div className="form-row">
      <FormField
        id="trainPerClassLadder"
        label="Label-budget ladder"
        error={ladderError}
        hint="Several training-images-per-class values, e.g. 10, 30, 100: every run is made for each, and the experiment page plots accuracy against labels. Empty: the single value above."
      >
        <input
          id="trainPerClassLadder"
          type="text"
          inputMode="numeric"
          placeholder="10, 30, 100"
          value={ladderText}
          aria-invalid={ladderError ? true : undefined}
          aria-describedby={`trainPerClassLadder-hint${ladderError ? " trainPerClassLadder-error" : ""}`}
          onChange={(event) => {
            setLadderText(event.target.value);
            const items = event.target.value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean);
            // Text that is not a number becomes NaN, for the schema to name next to this field.
            onLadderChange(
              items.length === 0
                ? undefined
                : items.map((s) => (s === "" ? Number.NaN : Number(s))),
            );
          }}
        />
      </FormField>
      <FormField
        id="cutSweep"
        label="Cut sweep"
        error={cutSweepError}
        hint={
          partialChosen
            ? `One partial fine-tune per cut point, beside frozen and full: the experiment page plots accuracy against layers trained. ${candidates.length} cut point(s) in this base.`
            : "Needs the partial fine-tune strategy."
        }
      >
        <select
          id="cutSweep"
          value={mode}
          aria-invalid={cutSweepError ? true : undefined}
          aria-describedby={`cutSweep-hint${cutSweepError ? " cutSweep-error" : ""}`}
          onChange={(event) => {
            const value = event.target.value;
            onCutSweepChange(value === "off" ? undefined : value === "all" ? "all" : candidates);
          }}
        >
          <option value="off">Off: the partial strategy's own cut</option>
          <option value="all">Every cut point</option>
          <option value="chosen">Chosen layers</option>
        </select>
        {mode === "chosen" ? (
          <fieldset className="sweep-layers" aria-label="Layers to cut at">
            {candidates.map((name) => (
              <label key={name} className="inline-check">
                <input
                  type="checkbox"
                  checked={chosen.has(name)}
                  onChange={(event) => toggleLayer(name, event.target.checked)}
                />
                <code>{name}</code>
              </label>
            ))}
          </fieldset>
        ) : null}
      </FormField>
    </div>
  );
}
