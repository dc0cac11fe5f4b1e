import type { SessionUser } from "@tlab/core/access";
import { DomainError } from "@tlab/core/errors";
import {
  MAX_TAGS_PER_EXPERIMENT,
  type ExperimentLabelsDto,
  type ExperimentTagInput,
  type SetStarInput,
  type TagCountDto,
} from "@tlab/core/review";
import type { ExperimentLabelRepository } from "@tlab/db/repositories/experiment-label-repository";

/** Tags members put on experiments, and each user's own stars. */
export class ExperimentLabelService {
  constructor(private readonly labels: ExperimentLabelRepository) {}

  async labelsOf(experimentId: string, viewer: SessionUser): Promise<ExperimentLabelsDto> {
    await this.assertExperiment(experimentId);
    return this.labels.labels(experimentId, viewer.id);
  }

  tagCounts(): Promise<TagCountDto[]> {
    return this.labels.tagCounts();
  }

  async addTag(input: ExperimentTagInput, by: SessionUser): Promise<ExperimentLabelsDto> {
    await this.assertExperiment(input.experimentId);
    // Re-adding a tag is not a new one, so a full experiment may still be tagged with what it has.
    if (
      !(await this.labels.hasTag(input.experimentId, input.tag)) &&
      (await this.labels.tagCount(input.experimentId)) >= MAX_TAGS_PER_EXPERIMENT
    ) {
      throw new DomainError(
        "INVALID_INPUT",
        `tag: an experiment holds at most ${MAX_TAGS_PER_EXPERIMENT} tags; remove one before adding "${input.tag}"`,
      );
    }
    await this.labels.addTag(input.experimentId, input.tag, by.id);
    return this.labels.labels(input.experimentId, by.id);
  }

  async removeTag(input: ExperimentTagInput, by: SessionUser): Promise<ExperimentLabelsDto> {
    await this.assertExperiment(input.experimentId);
    await this.labels.removeTag(input.experimentId, input.tag);
    return this.labels.labels(input.experimentId, by.id);
  }

  async setStar(input: SetStarInput, by: SessionUser): Promise<ExperimentLabelsDto> {
    await this.assertExperiment(input.experimentId);
    await this.labels.setStar(input.experimentId, by.id, input.starred);
    return this.labels.labels(input.experimentId, by.id);
  }

  private async assertExperiment(experimentId: string): Promise<void> {
    if (!(await this.labels.experimentExists(experimentId)))
      throw new DomainError("NOT_FOUND", `experimentId: no experiment "${experimentId}"`);
  }
}
