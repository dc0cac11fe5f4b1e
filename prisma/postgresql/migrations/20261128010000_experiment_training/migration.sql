-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "training" TEXT NOT NULL DEFAULT '{}';
