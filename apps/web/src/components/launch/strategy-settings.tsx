"use client";

import type { LayerInfo } from "@tlab/core/layer-plan";
import {
  defaultStrategy,
  STRATEGY_LABELS,
  type StrategyConfig,
  type StrategyConfigInput,
  type StrategyKind,
} from "@tlab/core/strategy";
import { NumberField } from "./number-field";

/** The form's value for a strategy with every default filled in, so each control shows a value. */
export function completeStrategy(value: StrategyConfigInput): StrategyConfig {
  const base = defaultStrategy(value.kind);
  const head = { ...base.head, ...value.head };
  switch (value.kind) {
    case "frozen":
      return { ...base, ...value, head } as StrategyConfig;
    case "partial": {
      const partial = base as Extract<StrategyConfig, { kind: "partial" }>;
      return { ...partial, ...value, head, cut: value.cut ?? partial.cut } as StrategyConfig;
    }
    case "full":
      return { ...base, ...value, head } as StrategyConfig;
  }
}

interface Props {
  value: StrategyConfigInput;
  layers: readonly LayerInfo[];
  onChange: (next: StrategyConfigInput) => void;
  /** Error messages by path inside this strategy ("learningRate", "head.dropout", "cut.layer"). */
  errors: Record<string, string>;
}

/**
 * One strategy's own settings: the new head (softmax or linear SVM, hidden units, dropout), its
 * learning rates, and for partial fine-tuning where the base is cut and the head-only warm-up.
 */
export function StrategySettings({ value, layers, onChange, errors }: Props) {
  const config = completeStrategy(value);
  const kind: StrategyKind = config.kind;
  const label = STRATEGY_LABELS[kind];
  const id = (name: string) => `strategy-${kind}-${name}`;
  const set = (patch: Partial<StrategyConfigInput>) =>
    onChange({ ...config, ...patch } as StrategyConfigInput);
  const setHead = (patch: Partial<StrategyConfig["head"]>) =>
    set({ head: { ...config.head, ...patch } });
  const weighted = layers.filter((l) => l.paramCount > 0).length;

  return (
    <div className="strategy-settings" role="group" aria-label={`${label} settings`}>
      <div className="settings-grid">
        <div className="field">
          <label htmlFor={id("head-type")}>
            <span className="visually-hidden">{label} </span>Head
          </label>
          <select
            id={id("head-type")}
            value={config.head.type}
            onChange={(e) => setHead({ type: e.target.value === "svm" ? "svm" : "softmax" })}
          >
            <option value="softmax">softmax</option>
            <option value="svm">linear SVM</option>
          </select>
        </div>
        <NumberField
          id={id("hidden")}
          context={label}
          label="Hidden units"
          min={0}
          max={4096}
          step={16}
          value={config.head.hiddenUnits}
          onChange={(v) => setHead({ hiddenUnits: v })}
          error={errors["head.hiddenUnits"]}
          hint="0 = no hidden layer"
        />
        <NumberField
          id={id("dropout")}
          context={label}
          label="Dropout"
          min={0}
          max={0.9}
          step={0.05}
          value={config.head.dropout}
          onChange={(v) => setHead({ dropout: v })}
          error={errors["head.dropout"]}
        />
        <NumberField
          id={id("lr")}
          context={label}
          label="Learning rate"
          min={0}
          max={1}
          step={0.001}
          value={config.learningRate}
          onChange={(v) => set({ learningRate: v })}
          error={errors.learningRate}
          hint={kind === "frozen" ? "head only" : "head"}
        />
        {config.kind !== "frozen" ? (
          <NumberField
            id={id("base-lr")}
            context={label}
            label="Base learning rate"
            min={0}
            max={1}
            step={0.0005}
            value={config.baseLearningRate}
            onChange={(v) => set({ baseLearningRate: v })}
            error={errors.baseLearningRate}
            hint="unfrozen base layers"
          />
        ) : null}
        {config.kind === "partial" ? (
          <NumberField
            id={id("warmup")}
            context={label}
            label="Warm-up epochs"
            min={0}
            max={100}
            step={1}
            value={config.warmupEpochs}
            onChange={(v) => set({ warmupEpochs: v })}
            error={errors.warmupEpochs}
            hint="head only, within the budget"
          />
        ) : null}
      </div>
      {config.kind === "partial" ? (
        <fieldset className="cut-field">
          <legend>
            <span className="visually-hidden">{label} </span>Where to cut the base
          </legend>
          <div className="cut-options">
            <label className="inline-check">
              <input
                type="radio"
                name={id("cut")}
                checked={config.cut.by === "topK"}
                onChange={() => set({ cut: { by: "topK", k: Math.min(2, Math.max(1, weighted)) } })}
              />
              Train the top K weighted layers
            </label>
            <label className="inline-check">
              <input
                type="radio"
                name={id("cut")}
                checked={config.cut.by === "layer"}
                onChange={() =>
                  set({
                    cut: { by: "layer", layer: layers[Math.max(0, layers.length - 3)]?.name ?? "" },
                  })
                }
              />
              Freeze through a named layer
            </label>
          </div>
          {config.cut.by === "topK" ? (
            <NumberField
              id={id("k")}
              context={label}
              label="K (layers with weights that train)"
              min={1}
              max={Math.max(1, weighted)}
              step={1}
              value={config.cut.k}
              onChange={(k) => set({ cut: { by: "topK", k } })}
              error={errors["cut.k"]}
              hint={`${weighted} layers of this base have weights`}
            />
          ) : (
            <div className={errors["cut.layer"] ? "field field-invalid" : "field"}>
              <label htmlFor={id("cut-layer")}>
                <span className="visually-hidden">{label} </span>Last frozen layer
              </label>
              <select
                id={id("cut-layer")}
                value={config.cut.layer}
                onChange={(e) => set({ cut: { by: "layer", layer: e.target.value } })}
                aria-describedby={`${id("cut-layer")}-hint`}
              >
                {layers.length === 0 ? (
                  <option value={config.cut.layer}>{config.cut.layer || "no layers"}</option>
                ) : null}
                {layers.map((l) => (
                  <option key={l.name} value={l.name}>
                    {l.name} ({l.className})
                  </option>
                ))}
              </select>
              <p id={`${id("cut-layer")}-hint`} className="hint">
                It and every layer below stay frozen; the layers above it train.
              </p>
              {errors["cut.layer"] ? <p className="field-error">{errors["cut.layer"]}</p> : null}
            </div>
          )}
        </fieldset>
      ) : null}
    </div>
  );
}
