# One image for the Transfer Lab web server and trainer workers (the command picks the role).
# Built from the repository; installs from the npm registry only.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && (cd apps/web && npx next build)
ENV NODE_ENV=production DATA_DIR=/data
EXPOSE 3000
# Default role: migrations, the shipped base models, then the dashboard + API (no local worker:
# workers are their own services, `node apps/trainer/bin/tlab.js worker`).
CMD ["sh", "apps/web/scripts/serve-web.sh"]
