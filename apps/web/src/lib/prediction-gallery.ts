import type { RunPredictionsResponse } from "@tlab/core/run-predictions";

/** Which of a seed's test images the gallery shows, for strategies A and B. */
export type GalleryFilter =
  | { kind: "fixed" }
  | { kind: "broken" }
  /** A cell of the B − A difference: images of true class `label` that exactly one of A and B predicts as `predicted`. */
  | { kind: "cell"; label: number; predicted: number };

export interface GalleryItem {
  index: number;
  label: number;
  a: { predicted: number; confidence: number };
  b: { predicted: number; confidence: number };
}

/**
 * The test images behind a filter, in test-set order. A and B are two runs of one seed, so their
 * predictions are over the same images in the same order; other pairs are refused.
 */
export function galleryItems(
  a: RunPredictionsResponse,
  b: RunPredictionsResponse,
  filter: GalleryFilter,
): GalleryItem[] {
  if (a.predictions.length !== b.predictions.length)
    throw new Error(
      `the two runs' predictions cover ${a.predictions.length} and ${b.predictions.length} test images; they are not of one seed's test set`,
    );
  const items: GalleryItem[] = [];
  a.predictions.forEach((pa, i) => {
    const pb = b.predictions[i]!;
    if (pa.label !== pb.label)
      throw new Error(`test image ${i} has label ${pa.label} in A and ${pb.label} in B`);
    const aRight = pa.predicted === pa.label;
    const bRight = pb.predicted === pb.label;
    const shown =
      filter.kind === "fixed"
        ? !aRight && bRight
        : filter.kind === "broken"
          ? aRight && !bRight
          : pa.label === filter.label &&
            (pa.predicted === filter.predicted) !== (pb.predicted === filter.predicted);
    if (shown)
      items.push({
        index: i,
        label: pa.label,
        a: { predicted: pa.predicted, confidence: pa.confidence },
        b: { predicted: pb.predicted, confidence: pb.confidence },
      });
  });
  return items;
}
