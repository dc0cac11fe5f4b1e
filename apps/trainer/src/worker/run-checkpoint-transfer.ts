import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "../train/training-checkpoint";

export const CHECKPOINT_DATA_FILE = "checkpoint.bin";
/** Uploaded after the data, so a checkpoint.json on the server always has its data beside it. */
export const CHECKPOINT_HEADER_FILE = "checkpoint.json";

export type UploadArtifact = (fileName: string, body: Uint8Array) => Promise<void>;

export async function uploadCheckpoint(checkpoint: TrainingCheckpoint, upload: UploadArtifact): Promise<void> {
  const { header, data } = encodeCheckpoint(checkpoint);
  await upload(CHECKPOINT_DATA_FILE, data);
  await upload(CHECKPOINT_HEADER_FILE, header);
}

/** Downloads the checkpoint an earlier attempt of this run left on the server. */
export async function downloadCheckpoint(apiUrl: string, runId: string, token: string | undefined): Promise<TrainingCheckpoint> {
  const get = async (file: string) => {
    const response = await fetch(new URL(`/api/artifacts/runs/${encodeURIComponent(runId)}/${file}`, apiUrl), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (!response.ok) throw new Error(`checkpoint ${file}: HTTP ${response.status} ${await response.text()}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const header = await get(CHECKPOINT_HEADER_FILE);
  const data = await get(CHECKPOINT_DATA_FILE);
  return decodeCheckpoint(header, data);
}
