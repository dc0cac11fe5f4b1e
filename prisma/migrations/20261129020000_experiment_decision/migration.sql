-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "decision" TEXT;

