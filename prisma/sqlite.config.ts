import { sqliteConfig } from "./provider-configs";

// Always the SQLite schema, whatever DATABASE_URL says (see provider-configs.ts).
export default sqliteConfig();
