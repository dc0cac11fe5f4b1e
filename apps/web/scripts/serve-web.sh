#!/bin/sh
# The web role of a Transfer Lab server without local workers (the container image's command):
# migrations for DATABASE_URL (PostgreSQL or the SQLite file), the shipped base models copied into
# DATA_DIR/base-models where missing (the web server registers what it finds there, and the
# digits preset needs its LeNet-5), then the dashboard + API on PORT. Run from the repository root.
set -eu
: "${DATA_DIR:=data}"
export DATA_DIR
node_modules/.bin/prisma migrate deploy --config prisma/prisma.config.ts
mkdir -p "$DATA_DIR/base-models"
for shipped in apps/trainer/assets/base-models/*/; do
  name=$(basename "$shipped")
  [ -e "$DATA_DIR/base-models/$name/model.json" ] || cp -R "$shipped" "$DATA_DIR/base-models/$name"
done
cd apps/web
# exec: the server is this process, so a container's SIGTERM reaches it.
exec node ../../node_modules/next/dist/bin/next start -p "${PORT:-3000}"
