import type { CreateExperimentFormValues } from "@tlab/core/experiment";
import { PRESET_DESCRIPTIONS, PRESET_NAMES, PRESETS } from "@tlab/core/presets";

export interface LaunchPreset {
  id: string;
  label: string;
  description: string;
  values: CreateExperimentFormValues;
}

/** What the form's preset picker offers: core's presets, the same `tlab launch --preset` takes. */
export const LAUNCH_PRESETS: LaunchPreset[] = PRESET_NAMES.map((id) => ({
  id,
  ...PRESET_DESCRIPTIONS[id],
  // A copy: the form edits its values in place.
  values: { ...PRESETS[id], strategies: [...PRESETS[id].strategies] },
}));
