-- CreateTable
CREATE TABLE "ExperimentTag" (
    "experimentId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "addedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExperimentTag_pkey" PRIMARY KEY ("experimentId","tag")
);

-- CreateTable
CREATE TABLE "ExperimentStar" (
    "experimentId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExperimentStar_pkey" PRIMARY KEY ("experimentId","userId")
);

-- CreateTable
CREATE TABLE "RunNote" (
    "runId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "editedById" TEXT,
    "editedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunNote_pkey" PRIMARY KEY ("runId")
);

-- CreateIndex
CREATE INDEX "ExperimentTag_tag_idx" ON "ExperimentTag"("tag");

-- CreateIndex
CREATE INDEX "ExperimentStar_userId_idx" ON "ExperimentStar"("userId");

-- CreateIndex
CREATE INDEX "RunNote_editedAt_idx" ON "RunNote"("editedAt");

-- AddForeignKey
ALTER TABLE "ExperimentTag" ADD CONSTRAINT "ExperimentTag_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentTag" ADD CONSTRAINT "ExperimentTag_addedById_fkey" FOREIGN KEY ("addedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentStar" ADD CONSTRAINT "ExperimentStar_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentStar" ADD CONSTRAINT "ExperimentStar_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunNote" ADD CONSTRAINT "RunNote_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunNote" ADD CONSTRAINT "RunNote_editedById_fkey" FOREIGN KEY ("editedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
