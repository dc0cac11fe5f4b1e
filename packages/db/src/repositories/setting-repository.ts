import type { Db } from "../client";

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
    try {
      await this.db.setting.create({ data: { key, value } });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "P2002") return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.db.setting.deleteMany({ where: { key } });
  }
}
