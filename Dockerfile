# syntax=docker/dockerfile:1
# live-warehouse container: built with the Maven wrapper, run as the Quarkus fast-jar on a slim JRE.
#   docker build -t live-warehouse .
#   docker run -e PIPELINE_SOURCE_HOST=... -e PIPELINE_SOURCE_PASSWORD=... \
#              -e PIPELINE_SECURITY_USERS=ana:operator -e PIPELINE_SECURITY_PASSWORD_ANA=... \
#              -v lw-state:/var/lib/live-warehouse -p 8080:8080 -p 9000:9000 live-warehouse

FROM eclipse-temurin:17-jdk AS build
WORKDIR /build
# Dependencies first, so that a code change does not download them again.
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw --batch-mode --quiet dependency:go-offline
COPY application.properties ./
COPY routes/ routes/
COPY src/ src/
RUN ./mvnw --batch-mode package -DskipTests

FROM eclipse-temurin:17-jre
# curl for the health check only.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 pipeline \
    && useradd --system --uid 10001 --gid pipeline --home-dir /app --shell /usr/sbin/nologin pipeline \
    && mkdir -p /var/lib/live-warehouse && chown pipeline:pipeline /var/lib/live-warehouse
WORKDIR /app
COPY --from=build --chown=pipeline:pipeline /build/target/quarkus-app/ /app/
# State (offsets, the DuckDB warehouse) on a volume; nothing written to the image or to $HOME. The same
# layout as the Jib image of `./mvnw package -Pimage` (pom.xml); DeploymentDefinitionsTest keeps them equal.
ENV PIPELINE_STATE_DIR=/var/lib/live-warehouse \
    PIPELINE_WAREHOUSE_DUCKDB_PATH=/var/lib/live-warehouse/warehouse.duckdb \
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true \
    HOME=/nonexistent \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/var/lib/live-warehouse/tmp"
VOLUME /var/lib/live-warehouse
USER 10001:10001
# 8080: pages and API (login); 9000: probes and metrics (management interface, keep it in the cluster).
EXPOSE 8080 9000
# Liveness, not readiness: Docker and ECS replace an unhealthy container, which helps a dead engine but
# not an unreachable source (readiness is for the load balancer or orchestrator's readiness probe).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://localhost:9000/q/health/live || exit 1
ENTRYPOINT ["sh", "-c", "mkdir -p /var/lib/live-warehouse/tmp && exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
