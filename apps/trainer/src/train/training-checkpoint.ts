import { createHash } from "node:crypto";
import { tf } from "../tf/backend";

/**
 * The state a run needs to continue after its worker died: the weights that train (head and
 * unfrozen base, then the moving BatchNorm statistics when they are updated) after the last
 * finished epoch, the best epoch's weights, and the bookkeeping of
 * best-epoch selection and early stopping. Optimizer moments are not kept: a resumed run starts
 * its optimizers fresh at the checkpoint epoch's learning rate, like the start of a new phase.
 */
export interface TrainingCheckpoint {
  epoch: number;
  bestScore: { epoch: number; accuracy: number; loss: number };
  lastAccuracyGain: { epoch: number; accuracy: number };
  stepMs: number;
  imagesTrained: number;
  /** Values of the kept variables (training ones, then statistics), in the order trainRun lists them. */
  current: Float32Array[];
  /** The best epoch's values, when a validation set selected one. */
  best: Float32Array[] | null;
}

interface CheckpointHeader {
  format: "tlab-checkpoint-v1";
  epoch: number;
  bestScore: TrainingCheckpoint["bestScore"];
  lastAccuracyGain: TrainingCheckpoint["lastAccuracyGain"];
  stepMs: number;
  imagesTrained: number;
  /** Element count of each variable; `current` then `best` follow in one float32 file. */
  sizes: number[];
  hasBest: boolean;
  /** Where the values are stored beside the header, and their sha256 (absent in older checkpoints). */
  dataFile?: string;
  dataSha256?: string;
}

/** The data file of checkpoints written before headers named theirs. */
export const LEGACY_CHECKPOINT_DATA_FILE = "checkpoint.bin";

/**
 * Two files: a JSON header and the float32 values of every variable, current then best. The header
 * names the data file and records its sha256, so a header never reads values it was not written
 * with (another epoch's, or a file cut short).
 */
export function encodeCheckpoint(
  checkpoint: TrainingCheckpoint,
  dataFile = LEGACY_CHECKPOINT_DATA_FILE,
): { header: Uint8Array; data: Uint8Array } {
  const sizes = checkpoint.current.map((v) => v.length);
  const parts = [...checkpoint.current, ...(checkpoint.best ?? [])];
  const total = parts.reduce((n, v) => n + v.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  const header: CheckpointHeader = {
    format: "tlab-checkpoint-v1",
    epoch: checkpoint.epoch,
    bestScore: checkpoint.bestScore,
    lastAccuracyGain: checkpoint.lastAccuracyGain,
    stepMs: checkpoint.stepMs,
    imagesTrained: checkpoint.imagesTrained,
    sizes,
    hasBest: checkpoint.best !== null,
    dataFile,
    dataSha256: sha256(new Uint8Array(data.buffer)),
  };
  return {
    header: new TextEncoder().encode(JSON.stringify(header)),
    data: new Uint8Array(data.buffer),
  };
}

/** The file a checkpoint header's values are stored in. */
export function checkpointDataFile(headerBytes: Uint8Array): string {
  return parseHeader(headerBytes).dataFile ?? LEGACY_CHECKPOINT_DATA_FILE;
}

function parseHeader(headerBytes: Uint8Array): CheckpointHeader {
  const header = JSON.parse(new TextDecoder().decode(headerBytes)) as CheckpointHeader;
  if (header.format !== "tlab-checkpoint-v1")
    throw new Error(`checkpoint: unknown format "${String(header.format)}"`);
  return header;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function decodeCheckpoint(
  headerBytes: Uint8Array,
  dataBytes: Uint8Array,
): TrainingCheckpoint {
  const header = parseHeader(headerBytes);
  if (header.dataSha256 !== undefined && sha256(dataBytes) !== header.dataSha256) {
    throw new Error(
      `checkpoint of epoch ${header.epoch}: ${header.dataFile ?? LEGACY_CHECKPOINT_DATA_FILE} does not hold the values its header was written with (sha256 differs)`,
    );
  }
  const floats = new Float32Array(dataBytes.slice().buffer);
  const perSet = header.sizes.reduce((n, s) => n + s, 0);
  if (floats.length !== perSet * (header.hasBest ? 2 : 1)) {
    throw new Error(
      `checkpoint: data holds ${floats.length} values, the header describes ${perSet * (header.hasBest ? 2 : 1)}`,
    );
  }
  const read = (start: number) => {
    let offset = start;
    return header.sizes.map((size) => {
      const values = floats.slice(offset, offset + size);
      offset += size;
      return values;
    });
  };
  return {
    epoch: header.epoch,
    bestScore: header.bestScore,
    lastAccuracyGain: header.lastAccuracyGain,
    stepMs: header.stepMs,
    imagesTrained: header.imagesTrained,
    current: read(0),
    best: header.hasBest ? read(perSet) : null,
  };
}

export function readVariables(variables: readonly tf.Variable[]): Float32Array[] {
  return variables
    .map((v) => v.dataSync() as Float32Array)
    .map((values) => Float32Array.from(values));
}

/** Puts checkpointed values into the run's variables; the shapes must match exactly. */
export function assignVariables(
  variables: readonly tf.Variable[],
  values: readonly Float32Array[],
): void {
  if (variables.length !== values.length) {
    throw new Error(
      `checkpoint holds ${values.length} variables, this run trains ${variables.length}: it was made for another model or strategy`,
    );
  }
  variables.forEach((variable, i) => {
    const data = values[i]!;
    if (data.length !== variable.size)
      throw new Error(
        `checkpoint variable ${i} (${variable.name}) has ${data.length} values, expected ${variable.size}`,
      );
    variable.assign(tf.tensor(data, variable.shape, "float32"));
  });
}
