-- CreateIndex
CREATE INDEX "MetricPoint_runId_name_step_value_idx" ON "MetricPoint"("runId", "name", "step", "value");
