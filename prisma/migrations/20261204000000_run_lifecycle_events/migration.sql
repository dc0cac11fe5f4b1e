-- AlterTable
-- Added in place rather than by redefining the table (Prisma's default for a new foreign key on
-- SQLite), like 20261203000000_activity_actors: SQLite allows ADD COLUMN with REFERENCES when the
-- column defaults to NULL. Events recorded before this migration keep both columns NULL.
ALTER TABLE "RunEvent" ADD COLUMN "workerId" TEXT REFERENCES "Worker" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "RunEvent" ADD COLUMN "detail" TEXT;
