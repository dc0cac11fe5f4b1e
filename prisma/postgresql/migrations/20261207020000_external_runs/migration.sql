-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "clientKey" TEXT,
ADD COLUMN     "external" TEXT,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'builtin',
ALTER COLUMN "baseModelId" DROP NOT NULL,
ALTER COLUMN "datasetId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "clientKey" TEXT,
ADD COLUMN     "clientPredictions" TEXT,
ADD COLUMN     "clientSettings" TEXT,
ADD COLUMN     "reportedByClient" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "Experiment_createdById_clientKey_key" ON "Experiment"("createdById", "clientKey");

-- CreateIndex
CREATE UNIQUE INDEX "Run_experimentId_clientKey_key" ON "Run"("experimentId", "clientKey");
