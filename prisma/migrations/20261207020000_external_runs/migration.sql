-- External experiments: runs reported by a client over the HTTP API. Their base model and dataset
-- are described by name (ExternalSubject JSON), so the catalog references become optional.
-- The table is rebuilt after 20261207010000_sweeps_and_decisions: its two columns are carried over.

-- AlterTable
ALTER TABLE "Run" ADD COLUMN "reportedByClient" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Run" ADD COLUMN "clientSettings" TEXT;
ALTER TABLE "Run" ADD COLUMN "clientPredictions" TEXT;
ALTER TABLE "Run" ADD COLUMN "clientKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Run_experimentId_clientKey_key" ON "Run"("experimentId", "clientKey");

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Experiment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'builtin',
    "baseModelId" TEXT,
    "datasetId" TEXT,
    "external" TEXT,
    "clientKey" TEXT,
    "epochs" INTEGER NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "seeds" INTEGER NOT NULL,
    "trainPerClass" INTEGER NOT NULL,
    "validationFraction" REAL NOT NULL,
    "testPerClass" INTEGER NOT NULL,
    "training" TEXT NOT NULL DEFAULT '{}',
    "notes" TEXT NOT NULL DEFAULT '',
    "decision" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cutSweep" TEXT,
    "trainPerClassLadder" TEXT,
    CONSTRAINT "Experiment_baseModelId_fkey" FOREIGN KEY ("baseModelId") REFERENCES "BaseModel" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Experiment_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Experiment_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Experiment" ("id", "name", "baseModelId", "datasetId", "epochs", "batchSize", "seeds", "trainPerClass", "validationFraction", "testPerClass", "training", "notes", "decision", "createdById", "createdAt", "cutSweep", "trainPerClassLadder") SELECT "id", "name", "baseModelId", "datasetId", "epochs", "batchSize", "seeds", "trainPerClass", "validationFraction", "testPerClass", "training", "notes", "decision", "createdById", "createdAt", "cutSweep", "trainPerClassLadder" FROM "Experiment";
DROP TABLE "Experiment";
ALTER TABLE "new_Experiment" RENAME TO "Experiment";
CREATE INDEX "Experiment_createdAt_idx" ON "Experiment"("createdAt");
CREATE UNIQUE INDEX "Experiment_createdById_clientKey_key" ON "Experiment"("createdById", "clientKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
