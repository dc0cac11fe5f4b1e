import {
  checkpointDataFile,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from "../train/training-checkpoint";

/** Uploaded after the data, so a checkpoint.json on the server always has its data beside it. */
export const CHECKPOINT_HEADER_FILE = "checkpoint.json";

/**
 * Consecutive epochs write their values to alternate files, and the header (which names its file)
 * goes up last: a worker killed while uploading epoch k+1 leaves the header of epoch k next to the
 * intact values of epoch k, never a header beside another epoch's values.
 */
export function checkpointDataFileFor(epoch: number): string {
  return epoch % 2 === 0 ? "checkpoint.even.bin" : "checkpoint.odd.bin";
}

export type UploadArtifact = (fileName: string, body: Uint8Array) => Promise<void>;

export async function uploadCheckpoint(
  checkpoint: TrainingCheckpoint,
  upload: UploadArtifact,
): Promise<void> {
  const dataFile = checkpointDataFileFor(checkpoint.epoch);
  const { header, data } = encodeCheckpoint(checkpoint, dataFile);
  await upload(dataFile, data);
  await upload(CHECKPOINT_HEADER_FILE, header);
}

/** Downloads the checkpoint an earlier attempt of this run left on the server. */
export async function downloadCheckpoint(
  apiUrl: string,
  runId: string,
  token: string | undefined,
): Promise<TrainingCheckpoint> {
  const get = async (file: string) => {
    const response = await fetch(
      new URL(`/api/artifacts/runs/${encodeURIComponent(runId)}/${file}`, apiUrl),
      {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
    );
    if (!response.ok) {
      const message = `checkpoint ${file}: HTTP ${response.status} ${await response.text()}`;
      // 5xx is worth retrying (a TypeError, like fetch's network failures); a 4xx will not get better.
      throw response.status >= 500 ? new TypeError(message) : new Error(message);
    }
    return new Uint8Array(await response.arrayBuffer());
  };
  const header = await get(CHECKPOINT_HEADER_FILE);
  const data = await get(checkpointDataFile(header));
  return decodeCheckpoint(header, data);
}
