import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCheckpoint, type TrainingCheckpoint } from "../train/training-checkpoint";
import {
  CHECKPOINT_HEADER_FILE,
  downloadCheckpoint,
  uploadCheckpoint,
} from "./run-checkpoint-transfer";

function checkpointAt(epoch: number): TrainingCheckpoint {
  return {
    epoch,
    bestScore: { epoch, accuracy: 0.5 + epoch / 100, loss: 1 / epoch },
    lastAccuracyGain: { epoch, accuracy: 0.5 + epoch / 100 },
    stepMs: 10 * epoch,
    imagesTrained: 100 * epoch,
    current: [Float32Array.from([epoch, epoch + 0.5]), Float32Array.from([-epoch])],
    best: [Float32Array.from([epoch, epoch]), Float32Array.from([epoch])],
  };
}

/** A run's artifacts as the API serves them to a worker. */
let server: Server | undefined;
async function serve(files: Map<string, Uint8Array>): Promise<string> {
  server = createServer((req, res) => {
    const file = files.get(decodeURIComponent(req.url!.split("/").at(-1)!));
    res.writeHead(file ? 200 : 404).end(file ?? "not found");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}
afterEach(() => server?.close());

describe("run checkpoints on the server", () => {
  it("stay consistent when the worker dies between the values and the header of the next epoch", async () => {
    const files = new Map<string, Uint8Array>();
    await uploadCheckpoint(checkpointAt(1), async (name, body) => void files.set(name, body));
    // Epoch 2's values arrive, then the worker is killed before its header.
    await expect(
      uploadCheckpoint(checkpointAt(2), async (name, body) => {
        if (name === CHECKPOINT_HEADER_FILE) throw new Error("killed");
        files.set(name, body);
      }),
    ).rejects.toThrow("killed");

    const restored = await downloadCheckpoint(await serve(files), "run-1", undefined);
    expect(restored.epoch).toBe(1);
    expect(restored.current).toEqual(checkpointAt(1).current);
    expect(restored.best).toEqual(checkpointAt(1).best);
  });

  it("refuses values that are not the ones the header was written with", async () => {
    const files = new Map<string, Uint8Array>();
    await uploadCheckpoint(checkpointAt(3), async (name, body) => void files.set(name, body));
    const [dataFile] = [...files.keys()].filter((name) => name !== CHECKPOINT_HEADER_FILE);
    files.set(dataFile!, encodeCheckpoint(checkpointAt(5)).data);
    await expect(downloadCheckpoint(await serve(files), "run-1", undefined)).rejects.toThrow(
      /checkpoint of epoch 3: checkpoint\.odd\.bin does not hold the values its header was written with/,
    );
  });

  it("reads a checkpoint written before headers named their data file", async () => {
    const legacy = encodeCheckpoint(checkpointAt(2));
    const header = JSON.parse(new TextDecoder().decode(legacy.header)) as Record<string, unknown>;
    delete header.dataFile;
    delete header.dataSha256;
    const files = new Map([
      ["checkpoint.bin", legacy.data],
      [CHECKPOINT_HEADER_FILE, new TextEncoder().encode(JSON.stringify(header))],
    ]);
    expect((await downloadCheckpoint(await serve(files), "run-1", undefined)).epoch).toBe(2);
  });
});
