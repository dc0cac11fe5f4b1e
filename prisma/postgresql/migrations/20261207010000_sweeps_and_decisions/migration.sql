-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "cutSweep" TEXT,
ADD COLUMN     "trainPerClassLadder" TEXT;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "trainPerClass" INTEGER,
ADD COLUMN     "trainedBaseLayers" INTEGER;

-- AlterTable
ALTER TABLE "Decision" ADD COLUMN     "basis" TEXT;

-- Runs from before budgets were per run trained with their experiment's one budget.
UPDATE "Run" SET "trainPerClass" = (SELECT "trainPerClass" FROM "Experiment" WHERE "Experiment"."id" = "Run"."experimentId");
