# FinOps Agent on the official Deno image. Not built by CI (no Docker engine there): see README.
# docker build -t finops-agent . && docker run -p 8000:8000 -v finops-data:/app/.data finops-agent
FROM denoland/deno:2.9.6

WORKDIR /app
COPY deno.json deno.lock ./
COPY . .
# Packages into ./node_modules (the engine and the chart renderer read their wasm files there),
# then type-check and cache the entry point so the container starts without the network.
RUN deno install --frozen && deno cache main.ts && mkdir -p .data && chown -R deno:deno .data

USER deno
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
VOLUME ["/app/.data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8000/health'); if (!r.ok) Deno.exit(1);"]
# The start task: the same permission set as on a developer machine; SIGTERM drains requests.
CMD ["task", "start"]
