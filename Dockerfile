# Builds the connector's runnable jar and a small runtime image.
#   docker build -t startyhook .
#   docker run --rm startyhook --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY connector/pom.xml connector/
RUN mvn -B -q -pl connector -am dependency:go-offline
COPY connector connector
COPY sql sql
COPY rules rules
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --home /opt/startyhook startyhook && mkdir /certs && chown startyhook /certs
WORKDIR /opt/startyhook
COPY --from=build /src/connector/target/startyhook.jar /opt/startyhook/startyhook.jar
COPY rules /opt/startyhook/rules
COPY docker/startyhook /usr/local/bin/startyhook
USER startyhook
# Docker's health of a `run` container: /health/ready (database reachable, capture streaming or standby,
# condition flows on schedule). The base image has wget (and curl); GNU wget exits non-zero on a 503.
# It probes the default port or STARTYHOOK_HTTP_PORT on 127.0.0.1 (reached with any http.bind but a
# specific other address); containers of other commands (listen, demo) should disable it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD wget -q -O /dev/null "http://127.0.0.1:${STARTYHOOK_HTTP_PORT:-8088}/health/ready" || exit 1
ENTRYPOINT ["startyhook"]
CMD ["--help"]
