-- AlterTable
-- Workers registered before this migration keep NULL: no token may act as them, and their
-- processes register again (getting a bound id) the next time they start.
ALTER TABLE "Worker" ADD COLUMN "credential" TEXT;
