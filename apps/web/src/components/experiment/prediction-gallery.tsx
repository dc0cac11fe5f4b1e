"use client";

import { useQuery } from "@tanstack/react-query";
import type { RunPredictionsResponse } from "@tlab/core/run-predictions";
import {
  decodeThumbnails,
  TEST_THUMBNAILS_FILE,
  type TestThumbnails,
} from "@tlab/core/test-thumbnails";
import { useEffect, useId, useRef, useState } from "react";
import { type GalleryFilter, galleryItems } from "@/lib/prediction-gallery";

/** A bounded page: the count says how many there are in all. */
const MAX_SHOWN = 120;

export interface GallerySide {
  label: string;
  /** Succeeded runs of the strategy, by seed. */
  runsBySeed: ReadonlyMap<number, string>;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `${url}: HTTP ${response.status}`);
  }
  return response;
}

function usePredictions(runId: string | undefined) {
  return useQuery({
    queryKey: ["run-predictions", runId],
    enabled: runId !== undefined,
    staleTime: Number.POSITIVE_INFINITY, // a succeeded run's predictions never change
    queryFn: async () =>
      (await (
        await fetchOk(`/api/runs/${encodeURIComponent(runId!)}/predictions`)
      ).json()) as RunPredictionsResponse,
  });
}

function useThumbnails(runId: string | undefined) {
  return useQuery({
    queryKey: ["run-thumbnails", runId],
    enabled: runId !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () =>
      decodeThumbnails(
        new Uint8Array(
          await (
            await fetchOk(
              `/api/artifacts/runs/${encodeURIComponent(runId!)}/${TEST_THUMBNAILS_FILE}`,
            )
          ).arrayBuffer(),
        ),
      ),
  });
}

function Thumbnail({ thumbs, index }: { thumbs: TestThumbnails | undefined; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const available = thumbs !== undefined && index < thumbs.count;
  useEffect(() => {
    const context = ref.current?.getContext("2d");
    if (!context || !thumbs || index >= thumbs.count) return;
    const { width, height, channels, pixels } = thumbs;
    const image = context.createImageData(width, height);
    const start = index * width * height * channels;
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++)
        image.data[p * 4 + c] = pixels[start + p * channels + (channels === 3 ? c : 0)]!;
      image.data[p * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [thumbs, index]);
  if (!available)
    return (
      <div className="gallery-thumb gallery-thumb-missing" title="No picture stored for this image">
        ?
      </div>
    );
  return (
    <canvas
      ref={ref}
      className="gallery-thumb"
      width={thumbs.width}
      height={thumbs.height}
      role="img"
      aria-label={`Test image ${index}`}
    />
  );
}

const percent = (c: number) => `${(c * 100).toFixed(0)}%`;

/**
 * The test images behind a comparison of A and B for one seed: "fixed by B" (A wrong, B right),
 * "broken by B" (A right, B wrong), or one cell of the difference matrix; each with its label,
 * both predictions and their confidences. Thumbnails come from the A run's stored test pictures.
 */
export function PredictionGallery({
  a,
  b,
  filter,
  onFilter,
}: {
  a: GallerySide;
  b: GallerySide;
  filter: GalleryFilter | null;
  onFilter: (filter: GalleryFilter | null) => void;
}) {
  const id = useId();
  const seeds = [...a.runsBySeed.keys()].filter((s) => b.runsBySeed.has(s)).sort((x, y) => x - y);
  const [pickedSeed, setSeed] = useState<number | null>(null);
  const seed = pickedSeed !== null && seeds.includes(pickedSeed) ? pickedSeed : seeds[0];
  const runA = seed === undefined ? undefined : a.runsBySeed.get(seed);
  const runB = seed === undefined ? undefined : b.runsBySeed.get(seed);
  const predictionsA = usePredictions(filter ? runA : undefined);
  const predictionsB = usePredictions(filter ? runB : undefined);
  const thumbs = useThumbnails(filter ? runA : undefined);

  if (seeds.length === 0) return null;
  const classOf = (k: number) => predictionsA.data?.classNames[k] ?? String(k);
  const error = predictionsA.error ?? predictionsB.error;
  let items: ReturnType<typeof galleryItems> | null = null;
  let problem: string | null = error ? error.message : null;
  if (filter && predictionsA.data && predictionsB.data) {
    try {
      items = galleryItems(predictionsA.data, predictionsB.data, filter);
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  const title =
    filter?.kind === "fixed"
      ? "Fixed by B: A wrong, B right"
      : filter?.kind === "broken"
        ? "Broken by B: A right, B wrong"
        : filter
          ? `True ${classOf(filter.label)}, predicted ${classOf(filter.predicted)} by A or by B (not both)`
          : null;

  return (
    <section className="prediction-gallery" aria-label="Test images behind the difference">
      <div className="toolbar">
        <span>Test images:</span>
        <button
          type="button"
          className="button button-small"
          aria-pressed={filter?.kind === "fixed"}
          onClick={() => onFilter({ kind: "fixed" })}
        >
          Fixed by B
        </button>
        <button
          type="button"
          className="button button-small"
          aria-pressed={filter?.kind === "broken"}
          onClick={() => onFilter({ kind: "broken" })}
        >
          Broken by B
        </button>
        {filter ? (
          <button type="button" className="button button-small" onClick={() => onFilter(null)}>
            Hide images
          </button>
        ) : (
          <span className="muted small">or click a cell of B − A.</span>
        )}
        {seeds.length > 1 ? (
          <>
            <label htmlFor={`${id}-seed`}>Seed</label>
            <select
              id={`${id}-seed`}
              value={seed}
              onChange={(e) => setSeed(Number(e.target.value))}
            >
              {seeds.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </>
        ) : null}
      </div>
      {filter ? (
        <>
          <h3>
            {title}
            {items ? ` (${items.length} image${items.length === 1 ? "" : "s"}, seed ${seed})` : ""}
          </h3>
          {problem ? (
            <p className="form-error" role="alert">
              The images cannot be shown: {problem}
            </p>
          ) : !items ? (
            <p className="muted">Loading predictions…</p>
          ) : items.length === 0 ? (
            <p className="muted">No test image of this seed falls here.</p>
          ) : (
            <>
              {items.length > MAX_SHOWN ? (
                <p className="muted small">
                  Showing the first {MAX_SHOWN} of {items.length}.
                </p>
              ) : null}
              <ul className="gallery-grid">
                {items.slice(0, MAX_SHOWN).map((item) => (
                  <li key={item.index} className="gallery-item" data-index={item.index}>
                    <Thumbnail thumbs={thumbs.data} index={item.index} />
                    <div className="gallery-caption">
                      <div>
                        #{item.index} · true <strong>{classOf(item.label)}</strong>
                      </div>
                      <div className={item.a.predicted === item.label ? "right" : "wrong"}>
                        A ({a.label}): {classOf(item.a.predicted)} {percent(item.a.confidence)}
                      </div>
                      <div className={item.b.predicted === item.label ? "right" : "wrong"}>
                        B ({b.label}): {classOf(item.b.predicted)} {percent(item.b.confidence)}
                      </div>
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : null}
    </section>
  );
}
