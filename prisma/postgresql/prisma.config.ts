import { postgresqlConfig } from "../provider-configs";

// Always the PostgreSQL schema, whatever DATABASE_URL says (see ../provider-configs.ts).
export default postgresqlConfig();
