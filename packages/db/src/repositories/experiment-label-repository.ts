import type { ExperimentLabelsDto, TagCountDto } from "@tlab/core/review";
import type { Db } from "../client";

/** Tags on experiments and users' stars: the labels the experiments list filters by. */
export class ExperimentLabelRepository {
  constructor(private readonly db: Db) {}

  async experimentExists(experimentId: string): Promise<boolean> {
    return (await this.db.experiment.count({ where: { id: experimentId } })) === 1;
  }

  async labels(experimentId: string, viewerId: string): Promise<ExperimentLabelsDto> {
    const [tags, starCount, mine] = await Promise.all([
      this.db.experimentTag.findMany({
        where: { experimentId },
        select: { tag: true },
        orderBy: { tag: "asc" },
      }),
      this.db.experimentStar.count({ where: { experimentId } }),
      this.db.experimentStar.count({ where: { experimentId, userId: viewerId } }),
    ]);
    return { experimentId, tags: tags.map((t) => t.tag), starCount, starredByMe: mine === 1 };
  }

  async hasTag(experimentId: string, tag: string): Promise<boolean> {
    return (await this.db.experimentTag.count({ where: { experimentId, tag } })) === 1;
  }

  async tagCount(experimentId: string): Promise<number> {
    return this.db.experimentTag.count({ where: { experimentId } });
  }

  /** Adding a tag the experiment already has changes nothing (the first adder stays recorded). */
  async addTag(experimentId: string, tag: string, addedById: string): Promise<void> {
    await this.db.experimentTag.upsert({
      where: { experimentId_tag: { experimentId, tag } },
      create: { experimentId, tag, addedById },
      update: {},
      select: { tag: true },
    });
  }

  async removeTag(experimentId: string, tag: string): Promise<void> {
    await this.db.experimentTag.deleteMany({ where: { experimentId, tag } });
  }

  /** Idempotent both ways: starring twice keeps one star, unstarring an unstarred experiment is a no-op. */
  async setStar(experimentId: string, userId: string, starred: boolean): Promise<void> {
    if (starred) {
      await this.db.experimentStar.upsert({
        where: { experimentId_userId: { experimentId, userId } },
        create: { experimentId, userId },
        update: {},
        select: { userId: true },
      });
    } else {
      await this.db.experimentStar.deleteMany({ where: { experimentId, userId } });
    }
  }

  /** Every tag in use with its number of experiments, alphabetical; the list's tag filter offers these. */
  async tagCounts(limit = 500): Promise<TagCountDto[]> {
    const grouped = await this.db.experimentTag.groupBy({
      by: ["tag"],
      _count: { _all: true },
      orderBy: { tag: "asc" },
      take: limit,
    });
    return grouped.map((g) => ({ tag: g.tag, experiments: g._count._all }));
  }
}
