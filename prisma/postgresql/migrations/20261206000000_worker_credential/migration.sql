-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "credential" TEXT;
