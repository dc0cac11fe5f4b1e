#!/bin/sh
# The web role of a Transfer Lab server without local workers (the container image's command):
# migrations for DATABASE_URL (PostgreSQL or the SQLite file), the shipped base models copied into
# DATA_DIR/base-models where missing (the web server registers what it finds there, and the
# digits preset needs its LeNet-5), then the dashboard + API on PORT. Run from the repository root.
set -eu
# Owner-only files: DATA_DIR holds password hashes (tlab.db), secrets and uploads.
umask 077
: "${DATA_DIR:=data}"
export DATA_DIR
node_modules/.bin/prisma migrate deploy --config prisma/prisma.config.ts
mkdir -p "$DATA_DIR/base-models"
for shipped in apps/trainer/assets/base-models/*/; do
  name=$(basename "$shipped")
  target="$DATA_DIR/base-models/$name"
  [ -e "$target/model.json" ] && continue
  # Copied beside its place (a dot directory the catalog skips), then renamed into it: replicas
  # starting together on one DATA_DIR never nest one copy inside another; the loser drops its copy.
  tmp=$(mktemp -d "$DATA_DIR/base-models/.$name.XXXXXX")
  cp -R "$shipped". "$tmp"
  mv -T "$tmp" "$target" 2>/dev/null || rm -rf "$tmp"
done
cd apps/web
# exec: the server is this process, so a container's SIGTERM reaches it.
exec node ../../node_modules/next/dist/bin/next start -p "${PORT:-3000}"
