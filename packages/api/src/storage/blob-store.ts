/**
 * Where files live, behind keys: the tracking data stays in the database, the bytes go through
 * this interface (as MLflow keeps an artifact repository beside its tracking store). A key is a
 * relative path of plain names separated by "/", e.g. `<runId>/model.json`; an implementation
 * decides where and how the bytes are kept, and refuses a key that would reach outside its root.
 */
export interface BlobStore {
  /** Stores the whole body under `key`, replacing what was there only once it is complete. */
  put(key: string, body: ReadableStream<Uint8Array>): Promise<StoredBlob>;
  /** The bytes under `key`, streamed as they are read; null when nothing is stored there. */
  get(key: string): Promise<BlobContent | null>;
  /** The size of what is stored under `key`; null when nothing is. */
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  /** Removes what is stored under `key`; nothing stored is not an error. */
  delete(key: string): Promise<void>;
}

export interface StoredBlob {
  sizeBytes: number;
  sha256: string;
}

export interface BlobContent {
  sizeBytes: number;
  body: ReadableStream<Uint8Array>;
}
