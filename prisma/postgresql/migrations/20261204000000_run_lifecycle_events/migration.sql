-- AlterTable
ALTER TABLE "RunEvent" ADD COLUMN     "detail" TEXT,
ADD COLUMN     "workerId" TEXT;

-- AddForeignKey
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;
