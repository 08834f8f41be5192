# tidemark as a container image, built from this repository (used by `tidemark k8s`).
#   docker build -t tidemark .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schema ./schema
COPY profiles ./profiles
COPY samples ./samples
RUN ln -s /app/bin/tidemark.js /usr/local/bin/tidemark
USER node
ENTRYPOINT ["tidemark"]
CMD ["--help"]
