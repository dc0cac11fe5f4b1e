import type { Db } from "../client";
import { createUnlessTaken } from "../unique-create";

export class SettingRepository {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | null> {
    return (await this.db.setting.findUnique({ where: { key } }))?.value ?? null;
  }

  /**
   * Writes `key` only if it is not set yet; true for the one caller that wrote it. The primary key
   * makes this atomic across processes and replicas.
   */
  async claim(key: string, value: string): Promise<boolean> {
    return (
      (await createUnlessTaken(() =>
        this.db.setting.create({ data: { key, value }, select: { key: true } }),
      )) !== null
    );
  }

  async delete(key: string): Promise<void> {
    await this.db.setting.deleteMany({ where: { key } });
  }
}
