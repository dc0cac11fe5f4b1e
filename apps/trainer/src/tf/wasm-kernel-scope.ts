import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "./tfjs";

/** The backend name every kernel of these modules is registered for. */
export const WASM = "wasm";

type Pair = [number, number];

/**
 * What the wasm backend offers kernels written in JavaScript: its outputs live in the wasm heap
 * and are read and written in place through typed-array views. A view is only valid until the
 * next allocation (growing the heap detaches it), so take views after every makeOutput.
 */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: TensorInfo["dtype"]): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  incRef(dataId: TensorInfo["dataId"]): void;
}

/**
 * Runs wasm kernels inside another kernel and frees every intermediate it produced, except the one
 * handed back to the engine. Each kernel output owns one reference to its data (Reshape and the
 * identity Transpose add a reference to their input's data), so each is released exactly once.
 */
export class KernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, WASM);
    if (kernel === undefined) {
      throw new Error(
        `wasm training kernels need the wasm kernel "${kernelName}", which is not registered`,
      );
    }
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.owned.push(out);
    return out;
  }

  /** Makes the scope release tensors created outside run() (e.g. by makeOutput) like its own. */
  adopt(...infos: TensorInfo[]): void {
    this.owned.push(...infos);
  }

  /** Releases all intermediates; `result` (if given) survives and is returned to the engine. */
  finish(result?: TensorInfo): void {
    for (const info of this.owned) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.owned.length = 0;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run("Transpose", { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run("Reshape", { x }, { shape });
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) each axis. Crops happen first, so the pad
   * never adds rows that are then cut away.
   */
  padOrCrop(x: TensorInfo, amounts: Pair[]): TensorInfo {
    let out = x;
    if (amounts.some(([before, after]) => before < 0 || after < 0)) {
      const begin = amounts.map(([before]) => Math.max(0, -before));
      const size = amounts.map(
        ([before, after], axis) => dim(out, axis) - Math.max(0, -before) - Math.max(0, -after),
      );
      out = this.run("Slice", { x: out }, { begin, size });
    }
    if (amounts.some(([before, after]) => before > 0 || after > 0)) {
      const paddings = amounts.map(([before, after]) => [Math.max(0, before), Math.max(0, after)]);
      out = this.run("PadV2", { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /** Keeps the leading `size` entries of each axis (a no-op when the shape already matches). */
  cropTo(x: TensorInfo, size: number[]): TensorInfo {
    if (size.every((s, axis) => s === dim(x, axis))) return x;
    return this.run("Slice", { x }, { begin: size.map(() => 0), size });
  }
}

export function dim(x: TensorInfo, axis: number): number {
  const size = x.shape[axis];
  if (size === undefined)
    throw new Error(`tensor of shape [${x.shape.join(", ")}] has no axis ${axis}`);
  return size;
}

export function shape4(x: TensorInfo, what: string): [number, number, number, number] {
  if (x.shape.length !== 4)
    throw new Error(`${what} must be rank 4, got shape [${x.shape.join(", ")}]`);
  return [dim(x, 0), dim(x, 1), dim(x, 2), dim(x, 3)];
}
