import { isPostgresUrl } from "../packages/db/src/postgres-adapter";
import { postgresqlConfig, sqliteConfig } from "./provider-configs";

// The database the server will use: `prisma migrate deploy --config prisma/prisma.config.ts`
// (npm start, npm run db:migrate) migrates PostgreSQL when DATABASE_URL is a postgres:// URL and
// the SQLite file otherwise. Generating clients must not depend on DATABASE_URL, so
// `npm run db:generate` uses prisma/sqlite.config.ts and prisma/postgresql/prisma.config.ts.
export default isPostgresUrl(process.env.DATABASE_URL?.trim() ?? "")
  ? postgresqlConfig()
  : sqliteConfig();
